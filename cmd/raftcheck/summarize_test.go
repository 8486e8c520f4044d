package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
)

func TestSummarizeMergesShardsIntoOneVerdict(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	require.NoError(t, writeSummary(a, &soakSummary{Shard: "1/2", Runs: 2, Valid: checker.Valid, Seeds: []seedVerdict{
		{Seed: 1, Valid: checker.Valid}, {Seed: 3, Valid: checker.Valid},
	}}))
	require.NoError(t, writeSummary(b, &soakSummary{Shard: "2/2", Runs: 2, Failures: 1, Valid: checker.Invalid, Seeds: []seedVerdict{
		{Seed: 2, Valid: checker.Valid},
		{Seed: 4, Valid: checker.Invalid, Summary: "linearizable=false", Dir: "/store/register-swarm/x-s4"},
	}}))
	code, stdout, stderr := runCLI(t, "summarize", a, filepath.Join(b, summaryFile))
	assert.Equal(t, exitInvalid, code, stderr)
	assert.Regexp(t, `(?m)^4\s+invalid\s+/store/register-swarm/x-s4`, stdout, "the table names the failing seed")
	assert.Contains(t, stdout, "4 runs over 2 summaries: 3 valid, 1 not; verdict invalid")

	code, _, _ = runCLI(t, "summarize", a)
	assert.Equal(t, exitValid, code)
}

func TestSummarizeRejectsOverlapAndBadFiles(t *testing.T) {
	a := t.TempDir()
	require.NoError(t, writeSummary(a, &soakSummary{Runs: 1, Seeds: []seedVerdict{{Seed: 1, Valid: checker.Valid}}}))
	code, _, stderr := runCLI(t, "summarize", a, a)
	assert.Equal(t, exitError, code)
	assert.Contains(t, stderr, "seed 1 is in both")

	code, _, stderr = runCLI(t, "summarize", t.TempDir())
	assert.Equal(t, exitError, code)
	assert.Contains(t, stderr, "summary.json")
	code, _, _ = runCLI(t, "summarize")
	assert.Equal(t, exitError, code)
}
