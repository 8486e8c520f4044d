package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
)

// TestSoakKeepsAndShrinksFailingSeedsOnly soaks seeds whose local reads go
// stale under partitions: the failing seeds' run directories are kept, each
// with a shrunk run beside it, and every seed's verdict is in the summary.
func TestSoakKeepsAndShrinksFailingSeedsOnly(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "soak", "--swarm=false", "--seeds", "12", "--time", "10s", "--read-mode", "local",
		"--nemesis", "partition", "--nemesis-interval", "2s", "--shrink", "10", "--workers", "2", "--out", out)
	require.NotEqual(t, exitError, code, stdout+stderr)
	s, err := readSummary(out)
	require.NoError(t, err)
	require.Equal(t, 12, s.Runs)
	require.Len(t, s.Seeds, 12)
	failures, shrunk := 0, 0
	for i, v := range s.Seeds {
		assert.Equal(t, uint64(i+1), v.Seed, "every seed, in order")
		if v.Valid == checker.Valid {
			assert.Empty(t, v.Dir, "a valid seed's run is not kept")
			continue
		}
		failures++
		assert.DirExists(t, v.Dir)
		assert.FileExists(t, filepath.Join(v.Dir, "report.html"))
		if v.Shrunk != "" {
			shrunk++
			assert.FileExists(t, filepath.Join(v.Shrunk, "results.json"))
		}
	}
	assert.Equal(t, s.Failures, failures)
	assert.Positive(t, failures, "local reads fail some seeds")
	assert.Positive(t, shrunk, "failing seeds are shrunk")
	assert.Equal(t, exitInvalid, code)
}
