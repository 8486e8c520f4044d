package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/results"
)

// runCLI runs raftcheck with args and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := dispatch(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

type resultsFile struct {
	Valid         json.RawMessage            `json:"valid"`
	Seed          uint64                     `json:"seed"`
	Config        map[string]any             `json:"config"`
	Checkers      map[string]json.RawMessage `json:"checkers"`
	HistorySHA256 string                     `json:"history_sha256"`
	TraceSHA256   string                     `json:"trace_sha256"`
	Ops           int                        `json:"ops"`
	SimSeconds    float64                    `json:"sim_seconds"`
	WallSeconds   float64                    `json:"wall_seconds"`
	Replay        string                     `json:"replay"`
}

func readResults(t *testing.T, stdout string) (resultsFile, string) {
	t.Helper()
	var dir string
	for _, line := range strings.Split(stdout, "\n") {
		if d, ok := strings.CutPrefix(line, "run directory: "); ok {
			dir = d
		}
	}
	require.NotEmpty(t, dir, stdout)
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	require.NoError(t, err)
	var r resultsFile
	require.NoError(t, json.Unmarshal(b, &r))
	return r, dir
}

func TestRunWritesTheStoreAsDesignSays(t *testing.T) {
	store := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "--seed", "3", "--time", "5s", "--store", store)
	require.Equal(t, exitValid, code, stdout+stderr)
	assert.Contains(t, stdout, "SEED=3\n")
	r, dir := readResults(t, stdout)
	assert.Equal(t, "true", string(r.Valid))
	assert.Equal(t, uint64(3), r.Seed)
	assert.Positive(t, r.Ops)
	assert.Greater(t, r.SimSeconds, 5.0)
	assert.Positive(t, r.WallSeconds)
	assert.Contains(t, r.Replay, "raftcheck run --seed 3 --time 5s")
	for _, name := range []string{"linearizable", "raft-invariants", "liveness", "stats", "perf"} {
		assert.Contains(t, r.Checkers, name)
	}
	for _, f := range []string{"results.json", "history.jsonl", "report.html", "linearizability.html", "raft.jsonl"} {
		assert.FileExists(t, filepath.Join(dir, f))
	}
	hash, err := results.HashFile(filepath.Join(dir, "history.jsonl"))
	require.NoError(t, err)
	assert.Equal(t, r.HistorySHA256, hash)
	assert.Equal(t, filepath.Join(store, "register-partition"), filepath.Dir(dir), "store/<test-name>/<timestamp>-s<seed>")
	assert.True(t, strings.HasSuffix(dir, "-s3"))
	latest, err := filepath.EvalSymlinks(filepath.Join(store, "latest"))
	require.NoError(t, err)
	assert.Equal(t, dir, latest)
	index, err := os.ReadFile(filepath.Join(store, "index.html"))
	require.NoError(t, err, "the store's index is written after the run")
	assert.Contains(t, string(index), filepath.Base(dir)+"/report.html")
	entries, err := os.ReadDir(filepath.Dir(dir))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary directory is left behind")
}

func TestTheSameRunTwiceGivesTheSameHistory(t *testing.T) {
	store := t.TempDir()
	var hashes []string
	for i := 0; i < 2; i++ {
		code, stdout, stderr := runCLI(t, "run", "--seed", "11", "--time", "5s", "--workload", "append", "--store", store)
		require.Equal(t, exitValid, code, stdout+stderr)
		r, _ := readResults(t, stdout)
		hashes = append(hashes, r.HistorySHA256)
	}
	assert.Equal(t, hashes[0], hashes[1])
}

// TestLocalReadsFailLinearizabilityUnderPartitions is the end-to-end proof
// that the checkers catch stale reads: with local reads and partitions some
// seed among the first ten is invalid, by the linearizability checker; with
// ReadIndex the same seeds are valid.
func TestLocalReadsFailLinearizabilityUnderPartitions(t *testing.T) {
	store := t.TempDir()
	invalid := 0
	for seed := 1; seed <= 10; seed++ {
		s := []string{"--seed", strconv.Itoa(seed), "--time", "10s", "--nemesis", "partition", "--nemesis-interval", "2s", "--store", store}
		code, stdout, stderr := runCLI(t, append([]string{"run", "--read-mode", "local"}, s...)...)
		require.NotEqual(t, exitError, code, stderr)
		if code == exitInvalid {
			r, _ := readResults(t, stdout)
			var lin struct {
				Valid json.RawMessage `json:"valid"`
			}
			require.NoError(t, json.Unmarshal(r.Checkers["linearizable"], &lin))
			assert.Equal(t, "false", string(lin.Valid), "seed %d: the linearizability checker is the one that fails", seed)
			invalid++
		}
		code, stdout, stderr = runCLI(t, append([]string{"run"}, s...)...)
		require.Equal(t, exitValid, code, "seed %d with ReadIndex: %s%s", seed, stdout, stderr)
	}
	assert.Positive(t, invalid)
}

func TestRunRejectsBadFlagsWithExitThree(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"run", "--workload", "queue"}, `unknown workload "queue"`},
		{[]string{"run", "--read-mode", "psychic"}, "--read-mode"},
		{[]string{"run", "--nemesis", "meteor"}, `unknown nemesis "meteor"`},
		{[]string{"run", "--nodes", "0"}, "--nodes must be between 1 and 64"},
		{[]string{"run", "--rate", "-3"}, "--rate must be a positive number"},
		{[]string{"run", "--time", "0s"}, "--time must be positive"},
		{[]string{"check"}, "want exactly one history file"},
		{[]string{"check", "/nonexistent/h.jsonl"}, "no such file"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, stderr := runCLI(t, tc.args...)
			assert.Equal(t, exitError, code)
			assert.Contains(t, stderr, tc.want)
			assert.Equal(t, 1, strings.Count(stderr, "\n"), stderr)
		})
	}
}
