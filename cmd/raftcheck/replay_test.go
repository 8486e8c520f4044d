package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
