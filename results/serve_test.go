package results

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
)

// TestHandlerServesTheStoreAndNothingElse: the index, each run's files and
// the latest link are served; anything that would reach outside the store
// — "..", encoded or not, absolute paths, links pointing out — gets 404.
func TestHandlerServesTheStoreAndNothingElse(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "store")
	secret := filepath.Join(base, "secret.txt")
	require.NoError(t, os.WriteFile(secret, []byte("SECRET"), 0o644))
	s := &Store{Root: root}
	dir := commitRun(t, s, "register-partition", 1, time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC), checker.Valid)
	require.NoError(t, os.WriteFile(filepath.Join(dir, FileReport), []byte("<p>REPORT</p>"), 0o644))
	require.NoError(t, WriteIndex(root))
	run := "/register-partition/" + filepath.Base(dir)
	require.NoError(t, os.Symlink(secret, filepath.Join(dir, "out.txt")))
	require.NoError(t, os.Symlink(base, filepath.Join(root, "up")))
	require.NoError(t, os.Symlink("../../secret.txt", filepath.Join(dir, "rel.txt")))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "register-partition", ".tmp-x"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "register-partition", ".tmp-x", FileResults), []byte("{}"), 0o644))

	h, err := Handler(root)
	require.NoError(t, err)
	tests := []struct {
		path string
		code int
		body string
	}{
		{"/", http.StatusOK, "every run in this store"},
		{"/index.html", http.StatusMovedPermanently, ""}, // the file server's canonical "/"
		{run + "/report.html", http.StatusOK, "REPORT"},
		{run + "/results.json", http.StatusOK, `"seed": 1`},
		{"/latest/report.html", http.StatusOK, "REPORT"},
		{"/latest/results.json", http.StatusOK, `"seed": 1`},
		{"/../../etc/passwd", http.StatusNotFound, ""},
		{"/../secret.txt", http.StatusNotFound, ""},
		{"/%2e%2e/secret.txt", http.StatusNotFound, ""},
		{"/%2e%2e%2f%2e%2e%2fetc%2fpasswd", http.StatusNotFound, ""},
		{"/register-partition/%2E%2E/%2E%2E/secret.txt", http.StatusNotFound, ""},
		{"/..%5c..%5csecret.txt", http.StatusNotFound, ""},
		{"//etc/passwd", http.StatusNotFound, ""},
		{"/%2Fetc%2Fpasswd", http.StatusNotFound, ""},
		{"/etc/passwd", http.StatusNotFound, ""},
		{run + "/out.txt", http.StatusNotFound, ""},
		{run + "/rel.txt", http.StatusNotFound, ""},
		{"/up/secret.txt", http.StatusNotFound, ""},
		{"/register-partition/.tmp-x/results.json", http.StatusNotFound, ""},
		{"/nothing-here", http.StatusNotFound, ""},
		{"/%00", http.StatusNotFound, ""},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "http://raftcheck.test"+tc.path, nil)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			assert.Equal(t, tc.code, rec.Code)
			assert.NotContains(t, rec.Body.String(), "SECRET")
			assert.NotContains(t, rec.Body.String(), "root:")
			if tc.body != "" {
				assert.Contains(t, rec.Body.String(), tc.body)
			}
		})
	}

	// The same over a real loopback connection, with the path sent as
	// written (the client does not clean it).
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, p := range []string{"/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fsecret.txt"} {
		req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
		require.NoError(t, err)
		req.URL.Opaque = p
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, p)
		assert.NotContains(t, string(body), "SECRET")
	}
	resp, err := srv.Client().Post(srv.URL+"/", "text/plain", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)

	_, err = Handler(filepath.Join(base, "missing"))
	assert.Error(t, err)
}
