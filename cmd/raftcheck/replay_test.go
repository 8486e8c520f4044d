package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
)

func TestReplayOfAnUntouchedRunIsIdentical(t *testing.T) {
	store := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "--seed", "5", "--time", "5s", "--store", store)
	require.Equal(t, exitValid, code, stdout+stderr)
	_, dir := readResults(t, stdout)

	code, stdout, stderr = runCLI(t, "replay", dir)
	require.Equal(t, exitValid, code, stdout+stderr)
	assert.Contains(t, stdout, "replay identical")
}

func TestReplayNamesTheFirstDifferenceOfAnAlteredHistory(t *testing.T) {
	store := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "--seed", "5", "--time", "5s", "--store", store)
	require.Equal(t, exitValid, code, stdout+stderr)
	_, dir := readResults(t, stdout)

	path := filepath.Join(dir, "history.jsonl")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.SplitAfter(string(b), "\n")
	lines[6] = strings.Replace(lines[6], `"time":`, `"time":1`, 1)
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(lines, "")), 0o644))

	code, stdout, _ = runCLI(t, "replay", dir)
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, stdout, "first difference at "+path+":7")
}

func TestReplayRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := runCLI(t, "replay", dir)
	assert.Equal(t, exitError, code)
	assert.Contains(t, stderr, "results.json")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "results.json"), []byte(`{"config": {"seed": "x"}}`), 0o644))
	code, _, stderr = runCLI(t, "replay", dir)
	assert.Equal(t, exitError, code)
	assert.Contains(t, stderr, "field config")
	assert.Equal(t, 1, strings.Count(stderr, "\n"))
}

// editResults rewrites a run's results.json through edit.
func editResults(t *testing.T, dir string, edit func(r map[string]any)) {
	t.Helper()
	path := filepath.Join(dir, "results.json")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var r map[string]any
	require.NoError(t, json.Unmarshal(b, &r))
	edit(r)
	b, err = json.Marshal(r)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o644))
}

// A stored verdict that was unknown only because the linearizability
// budget ran out (on a busier machine) is not a difference of the run;
// any other change of verdict still is.
func TestReplayIgnoresAVerdictTheBudgetDecided(t *testing.T) {
	store := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "--seed", "5", "--time", "5s", "--store", store)
	require.Equal(t, exitValid, code, stdout+stderr)
	_, dir := readResults(t, stdout)

	editResults(t, dir, func(r map[string]any) {
		r["valid"] = "unknown"
		r["checkers"].(map[string]any)["linearizable"] = map[string]any{"valid": "unknown", "summary": "unknown: budget 1m0s ran out", "budget_exhausted": true}
	})
	code, stdout, _ = runCLI(t, "replay", dir)
	assert.Equal(t, exitValid, code, stdout)
	assert.Contains(t, stdout, "replay identical")
	assert.Contains(t, stdout, "budget that ran out")

	// The budget excuses linearizable's verdict only: another checker
	// whose verdict changed is still a difference.
	editResults(t, dir, func(r map[string]any) {
		r["checkers"].(map[string]any)["raft-invariants"] = map[string]any{"valid": false, "summary": "edited"}
	})
	code, stdout, _ = runCLI(t, "replay", dir)
	assert.Equal(t, exitInvalid, code, stdout)
	assert.Contains(t, stdout, "replay differs")

	editResults(t, dir, func(r map[string]any) {
		r["checkers"].(map[string]any)["raft-invariants"] = map[string]any{"valid": true}
		r["checkers"].(map[string]any)["linearizable"] = map[string]any{"valid": "unknown", "summary": "unknown"}
	})
	code, stdout, _ = runCLI(t, "replay", dir)
	assert.Equal(t, exitInvalid, code, stdout)
	assert.Contains(t, stdout, "replay differs: verdict valid, stored unknown")
}

// A soak counts a seed undecided by the budget apart from its failures.
func TestSoakCountsBudgetUnknownsApart(t *testing.T) {
	var out strings.Builder
	s := &soaker{out: &out}
	assert.False(t, s.record(seedVerdict{Seed: 1, Valid: checker.Unknown, Undecided: true, Summary: "linearizable=unknown"}), "not a failure")
	assert.True(t, s.record(seedVerdict{Seed: 2, Valid: checker.Unknown, Summary: "set=unknown"}))
	assert.Equal(t, 1, s.summary.Undecided)
	assert.Equal(t, 1, s.summary.Failures)
	assert.Contains(t, out.String(), "seed 1: undecided by the linearizability budget, not a failure")
	assert.Contains(t, out.String(), "seed 2: unknown")
}

// A results.json edited to ask for lease reads without CheckQuorum is
// refused, with the reason on one line: such a lease promises nothing.
func TestReplayRefusesLeaseReadsWithoutCheckQuorum(t *testing.T) {
	store := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "--seed", "3", "--time", "3s", "--read-mode", "lease", "--store", store)
	require.Equal(t, exitValid, code, stdout+stderr)
	_, dir := readResults(t, stdout)
	editResults(t, dir, func(r map[string]any) {
		r["config"].(map[string]any)["raft"].(map[string]any)["check_quorum"] = false
	})
	code, _, stderr = runCLI(t, "replay", dir)
	assert.Equal(t, exitError, code)
	assert.Contains(t, stderr, "--read-mode lease needs CheckQuorum")
	assert.Equal(t, 1, strings.Count(stderr, "\n"))
}
