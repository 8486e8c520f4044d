package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestShrinkFindsASmallerRunThatFailsTheSameWay shrinks a run whose local
// reads are stale under partitions: the result must still fail the
// linearizability checker, with fewer operations.
func TestShrinkFindsASmallerRunThatFailsTheSameWay(t *testing.T) {
	store := t.TempDir()
	var dir string
	var original resultsFile
	for seed := 1; seed <= 20 && dir == ""; seed++ {
		code, stdout, stderr := runCLI(t, "run", "--seed", strconv.Itoa(seed), "--time", "10s", "--read-mode", "local", "--nemesis", "partition", "--nemesis-interval", "2s", "--store", store)
		require.NotEqual(t, exitError, code, stderr)
		if code == exitInvalid {
			original, dir = readResults(t, stdout)
		}
	}
	require.NotEmpty(t, dir, "some seed among the first twenty fails")

	code, stdout, stderr := runCLI(t, "shrink", "--tries", "25", "--store", store, dir)
	require.Equal(t, exitInvalid, code, stdout+stderr)
	shrunk, _ := readResults(t, stdout)
	assert.Less(t, shrunk.Ops, original.Ops, "the shrunk run is smaller")
	var lin struct {
		Valid json.RawMessage `json:"valid"`
	}
	require.NoError(t, json.Unmarshal(shrunk.Checkers["linearizable"], &lin))
	assert.Equal(t, "false", string(lin.Valid), "and fails the same way")
	assert.Equal(t, original.Seed, shrunk.Seed)
	assert.True(t, strings.Contains(stdout, "shrunk in "), stdout)
}

func TestShrinkRefusesAValidRun(t *testing.T) {
	store := t.TempDir()
	code, stdout, _ := runCLI(t, "run", "--seed", "2", "--time", "3s", "--store", store)
	require.Equal(t, exitValid, code)
	_, dir := readResults(t, stdout)
	code, _, stderr := runCLI(t, "shrink", dir)
	assert.Equal(t, exitError, code)
	assert.Contains(t, stderr, "did not fail")
}
