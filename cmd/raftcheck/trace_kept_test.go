package main

import (
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
	"raftcheck/results"
)

// TestTheTraceIsWrittenWhenARunFailsOrWhenAsked checks where the full
// trace goes since it is hashed as the run goes rather than kept: a run
// that passes records only the hash, --trace writes the text, and a
// failing run always has it; the text written hashes to results.json's
// trace_sha256, and replay compares that hash too.
func TestTheTraceIsWrittenWhenARunFailsOrWhenAsked(t *testing.T) {
	cases := []struct {
		name      string
		args      []string
		exit      int
		wantTrace bool
	}{
		{"passing", nil, exitValid, false},
		{"passing, --trace", []string{"--trace"}, exitValid, true},
		{"failing", []string{"--bug", "leader-reads"}, exitInvalid, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			store := t.TempDir()
			args := append([]string{"run", "--seed", "1", "--time", "5s", "--store", store}, tc.args...)
			code, stdout, stderr := runCLI(t, args...)
			require.Equal(t, tc.exit, code, stdout+stderr)
			r, dir := readResults(t, stdout)
			require.Len(t, r.TraceSHA256, 64, "every run's trace is hashed")
			path := filepath.Join(dir, results.FileTrace)
			if !tc.wantTrace {
				assert.NoFileExists(t, path)
				return
			}
			hash, err := results.HashFile(path)
			require.NoError(t, err)
			assert.Equal(t, r.TraceSHA256, hash, "the trace written is the trace hashed")
			assert.NotContains(t, r.Checkers, "determinism", "the run again for its trace did the same")
			report, err := os.ReadFile(filepath.Join(dir, results.FileReport))
			require.NoError(t, err)
			assert.Contains(t, string(report), `href="trace.txt"`)
		})
	}
}

// TestReplayComparesTheTrace checks that replay says a run differs when
// its trace does, even with the same history.
func TestReplayComparesTheTrace(t *testing.T) {
	store := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "--seed", "2", "--time", "3s", "--store", store)
	require.Equal(t, exitValid, code, stdout+stderr)
	r, dir := readResults(t, stdout)
	code, stdout, stderr = runCLI(t, "replay", dir)
	require.Equal(t, exitValid, code, stdout+stderr)
	assert.Contains(t, stdout, "replay identical")

	path := filepath.Join(dir, results.FileResults)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	forged := strings.Replace(string(b), r.TraceSHA256, strings.Repeat("0", 64), 1)
	require.NotEqual(t, string(b), forged)
	require.NoError(t, os.WriteFile(path, []byte(forged), 0o644))
	code, stdout, stderr = runCLI(t, "replay", dir)
	require.Equal(t, exitInvalid, code, stdout+stderr)
	assert.Contains(t, stdout, "replay differs: trace "+r.TraceSHA256)
}

// TestARunOverItsMemoryCeilingStopsWithAnError checks --max-memory: a run
// that retains more than it allows ends with a one-line error and exit 3,
// stores nothing, and a value that is not an amount is refused before any
// work.
func TestARunOverItsMemoryCeilingStopsWithAnError(t *testing.T) {
	defer debug.SetMemoryLimit(math.MaxInt64)
	store := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "--seed", "1", "--time", "60s", "--max-memory", "1MiB", "--store", store)
	require.Equal(t, exitError, code, stdout+stderr)
	assert.Contains(t, stderr, "over the run's memory ceiling")
	assert.Contains(t, stderr, "--max-memory")
	assert.Equal(t, 1, strings.Count(strings.TrimSpace(stderr), "\n")+1, "one line: %q", stderr)
	entries, err := os.ReadDir(store)
	require.NoError(t, err)
	assert.Empty(t, entries, "nothing is stored")

	code, _, stderr = runCLI(t, "run", "--max-memory", "lots")
	assert.Equal(t, exitError, code)
	assert.Contains(t, stderr, "such as 4GiB")
}

// TestARunThatEvictsStoresItsWholeHistory checks a run that evicts the
// keys it checked (--retain-events): history.jsonl holds every event and
// hashes as results.json says, the ops count is the file's, and replay
// says identical.
func TestARunThatEvictsStoresItsWholeHistory(t *testing.T) {
	store := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "--seed", "3", "--time", "30s", "--retain-events", "1000", "--store", store)
	require.Equal(t, exitValid, code, stdout+stderr)
	r, dir := readResults(t, stdout)
	hash, err := results.HashFile(filepath.Join(dir, results.FileHistory))
	require.NoError(t, err)
	assert.Equal(t, r.HistorySHA256, hash)
	f, err := os.Open(filepath.Join(dir, results.FileHistory))
	require.NoError(t, err)
	defer f.Close()
	h, err := checker.ReadJSONL(f, "history.jsonl")
	require.NoError(t, err)
	assert.Equal(t, len(h.Operations()), r.Ops)
	assert.Contains(t, string(r.Checkers["linearizable"]), "checked as they retired")
	assert.Contains(t, r.Replay, "--retain-events 1000")

	code, stdout, stderr = runCLI(t, "replay", dir)
	require.Equal(t, exitValid, code, stdout+stderr)
	assert.Contains(t, stdout, "replay identical")
}
