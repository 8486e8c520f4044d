package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/results"
)

func TestServeRejectsBadInputWithOneLine(t *testing.T) {
	store := t.TempDir()
	file := filepath.Join(store, "f.txt")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o644))
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"serve", "--addr"}, "flag needs an argument: -addr"},
		{[]string{"serve", store, store}, "want at most one store directory, got 2"},
		{[]string{"serve", filepath.Join(store, "missing")}, "no such file or directory"},
		{[]string{"serve", file}, "not a directory"},
		{[]string{"serve", store, "--addr", "not-an-address"}, "--addr not-an-address"},
		{[]string{"serve", "--addr", "127.0.0.1:99999", store}, "--addr 127.0.0.1:99999"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args[1:], " "), func(t *testing.T) {
			code, _, stderr := runCLI(t, tc.args...)
			assert.Equal(t, exitError, code)
			assert.Contains(t, stderr, tc.want)
			assert.Equal(t, 1, strings.Count(stderr, "\n"), stderr)
		})
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// TestServeServesTheStoreUntilStopped runs the serve loop on a loopback
// port over a store with one run, and stops it.
func TestServeServesTheStoreUntilStopped(t *testing.T) {
	store := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "--seed", "3", "--time", "2s", "--store", store)
	require.Equal(t, exitValid, code, stdout+stderr)
	_, dir := readResults(t, stdout)
	rel, err := filepath.Rel(store, dir)
	require.NoError(t, err)

	h, err := results.Handler(store)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- serve(ctx, ln, h) }()
	t.Cleanup(func() {
		cancel()
		<-stopped
	})
	base := "http://" + ln.Addr().String()

	status, body := get(t, base+"/")
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "every run in this store")
	assert.Contains(t, body, filepath.ToSlash(rel)+"/report.html")
	for _, p := range []string{"/" + filepath.ToSlash(rel) + "/report.html", "/latest/report.html"} {
		status, body = get(t, base+p)
		assert.Equal(t, http.StatusOK, status, p)
		assert.Contains(t, body, `<span id="verdict-word">valid</span>`, p)
	}
	status, _ = get(t, base+"/latest/history.jsonl")
	assert.Equal(t, http.StatusOK, status)
	for _, p := range []string{"/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "//etc/passwd"} {
		req, err := http.NewRequest(http.MethodGet, base, nil)
		require.NoError(t, err)
		req.URL.Opaque = p // sent as written
		status, body = do(t, req)
		assert.Equal(t, http.StatusNotFound, status, p)
		assert.NotContains(t, body, "root:")
	}

	cancel()
	select {
	case err := <-stopped:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the serve loop did not stop")
	}
	stopped <- nil // for the cleanup
	_, err = net.DialTimeout("tcp", ln.Addr().String(), time.Second)
	assert.Error(t, err, "nothing listens any more")
}
