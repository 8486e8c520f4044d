package main

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestZooCatchesEveryPlantedBug is raftcheck proving its own power: each
// planted bug, one at a time, must be caught by some checker within a few
// seeds, and the same runs without the bug are valid.
func TestZooCatchesEveryPlantedBug(t *testing.T) {
	store := t.TempDir()
	code, stdout, stderr := runCLI(t, "zoo", "--seeds", "30", "--store", store)
	require.Equal(t, exitValid, code, stdout+stderr)
	for _, bug := range zoo {
		assert.Regexp(t, `(?m)^`+bug.name+`\s+caught at seed \d+ by `, stdout)
	}
	for _, bug := range zoo {
		for seed := 1; seed <= 3; seed++ {
			args := append([]string{"run", "--seed", strconv.Itoa(seed), "--time", "20s", "--store", store}, bug.args...)
			code, stdout, stderr := runCLI(t, args...)
			assert.Equal(t, exitValid, code, "%s's test without the bug, seed %d: %s%s", bug.name, seed, stdout, stderr)
		}
	}
}

func TestZooRejectsAnUnknownBug(t *testing.T) {
	code, _, stderr := runCLI(t, "zoo", "--bug", "heisenbug")
	assert.Equal(t, exitError, code)
	assert.Contains(t, stderr, `unknown bug "heisenbug"`)
	code, _, stderr = runCLI(t, "run", "--bug", "heisenbug")
	assert.Equal(t, exitError, code)
	assert.Contains(t, stderr, `unknown bug "heisenbug"`)
}
