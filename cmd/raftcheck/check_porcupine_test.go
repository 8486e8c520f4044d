package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// porcupineDir is where the Go module cache keeps porcupine's module,
// whose test_data/jepsen holds 102 real Jepsen histories recorded against
// etcd, and whose porcupine_test.go says which are linearizable.
func porcupineDir(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/anishathalye/porcupine").Output()
	require.NoError(t, err)
	dir := strings.TrimSpace(string(out))
	require.DirExists(t, filepath.Join(dir, "test_data", "jepsen"))
	return dir
}

// porcupineExpectations reads porcupine's own verdict for each etcd
// history from its tests: checkJepsen(t, N, correct).
func porcupineExpectations(t testing.TB, dir string) map[int]bool {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(dir, "porcupine_test.go"))
	require.NoError(t, err)
	out := map[int]bool{}
	for _, m := range regexp.MustCompile(`checkJepsen\(t, (\d+), (true|false)\)`).FindAllStringSubmatch(string(src), -1) {
		n, _ := strconv.Atoi(m[1])
		out[n] = m[2] == "true"
	}
	return out
}

// jepsenLogLine is one operation line of Jepsen's log, as etcd's test
// printed it: "INFO  jepsen.util - 3	:ok	:read	2".
var jepsenLogLine = regexp.MustCompile(`^INFO\s+jepsen\.util\s+-\s+(\d+)\s+:(invoke|ok|fail|info)\s+:(read|write|cas)\s+(.*)$`)

// jepsenLogToEDN turns a Jepsen log into a history.edn of one operation
// map a line, as Jepsen writes one: an info or a fail completion carries
// its invocation's value and the log's reason as :error.
func jepsenLogToEDN(t testing.TB, logPath, ednPath string) {
	t.Helper()
	in, err := os.Open(logPath)
	require.NoError(t, err)
	defer in.Close()
	var b strings.Builder
	invoked := map[string]string{} // process -> value of its open invocation
	sc := bufio.NewScanner(in)
	for line := 0; sc.Scan(); line++ {
		m := jepsenLogLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		proc, typ, f, value := m[1], m[2], m[3], strings.TrimSpace(m[4])
		errText := ""
		switch {
		case typ == "invoke":
			invoked[proc] = value
		case strings.HasPrefix(value, ":"):
			errText, value = value, invoked[proc]
		}
		fmt.Fprintf(&b, "{:type :%s, :f :%s, :value %s, :process %s, :time %d", typ, f, value, proc, int64(line)*1_000_000)
		if errText != "" {
			fmt.Fprintf(&b, ", :error %s", errText)
		}
		b.WriteString("}\n")
	}
	require.NoError(t, sc.Err())
	require.NoError(t, os.WriteFile(ednPath, []byte(b.String()), 0o644))
}

// The 102 Jepsen etcd histories that ship with porcupine, converted to
// Jepsen's history.edn, get porcupine's own verdict from `raftcheck check
// --model cas-register`. (etcd_095 is empty: etcd did not start in that
// test, and porcupine has no verdict for it.)
func TestCheckAgreesWithPorcupineOnJepsensEtcdHistories(t *testing.T) {
	dir := porcupineDir(t)
	want := porcupineExpectations(t, dir)
	require.Len(t, want, 102)
	tmp := t.TempDir()
	start := time.Now()
	valid := 0
	for n := 0; n <= 102; n++ {
		correct, ok := want[n]
		if !ok {
			continue
		}
		edn := filepath.Join(tmp, fmt.Sprintf("etcd_%03d.edn", n))
		jepsenLogToEDN(t, filepath.Join(dir, "test_data", "jepsen", fmt.Sprintf("etcd_%03d.log", n)), edn)
		code, stdout, stderr := runCLI(t, "check", "--model", "cas-register", edn)
		wantCode := exitInvalid
		if correct {
			wantCode = exitValid
			valid++
		}
		assert.Equal(t, wantCode, code, "etcd_%03d: porcupine says linearizable=%v\n%s%s", n, correct, stdout, stderr)
	}
	t.Logf("102 etcd histories (%d linearizable) checked in %v", valid, time.Since(start).Round(time.Millisecond))
}
