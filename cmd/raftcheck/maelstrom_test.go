package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// `raftcheck run --system maelstrom` against the correct test subject:
// valid, stored like any run (node logs and the routed messages besides),
// marked not deterministic; replay refuses it with the command to run it
// again; the buggy subject exits 1.
func TestRunTestsAMaelstromBinary(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "subject")
	out, err := exec.Command("go", "build", "-o", bin, "../../harness/maelstrom/testdata/subject").CombinedOutput()
	require.NoError(t, err, "%s", out)
	store := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "--system", "maelstrom", "--bin", bin, "--bin-args", "-mode forward",
		"--workload", "lin-kv", "--time", "2s", "--nodes", "3", "--nemesis", "partition,pause-one", "--nemesis-interval", "500ms", "--seed", "4", "--store", store)
	require.Equal(t, exitValid, code, stdout+stderr)
	r, dir := readResults(t, stdout)
	assert.Equal(t, "maelstrom", r.Config["system"])
	assert.Equal(t, false, r.Config["deterministic"])
	assert.Contains(t, r.Checkers, "node-protocol")
	for _, f := range []string{"results.json", "history.jsonl", "report.html", "trace.txt", "linearizability.html", "nodes/n1.log"} {
		_, err := os.Stat(filepath.Join(dir, f))
		assert.NoError(t, err, f)
	}
	code, _, stderr = runCLI(t, "replay", dir)
	assert.Equal(t, exitError, code)
	assert.Contains(t, stderr, "cannot be replayed")
	assert.Contains(t, stderr, "raftcheck run --system maelstrom --bin")

	code, stdout, stderr = runCLI(t, "run", "--system", "maelstrom", "--bin", bin, "--bin-args", "-mode garbage", "--time", "2s", "--store", store)
	assert.Equal(t, exitInvalid, code, stdout+stderr)
	assert.Contains(t, stdout, "node-protocol=false")
}
