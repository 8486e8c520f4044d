package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
	"raftcheck/harness/kv"
	"raftcheck/harness/run"
)

// TestLeaseReadFailuresAreUnknownWhenTheClocksBrokeTheBound: every checker
// that judges reads is excused, in lease mode only, when a clock fault broke
// the lease's assumption; the Raft invariants never are (found in review:
// only Porcupine's verdict was excused).
func TestLeaseReadFailuresAreUnknownWhenTheClocksBrokeTheBound(t *testing.T) {
	results := func() checker.Results {
		return checker.Results{
			"linearizable":    {Valid: checker.Invalid, Summary: "stale"},
			"counter":         {Valid: checker.Invalid, Summary: "read below its bound"},
			"set":             {Valid: checker.Invalid},
			"list-append":     {Valid: checker.Invalid},
			"raft-invariants": {Valid: checker.Invalid},
			"stats":           {Valid: checker.Valid},
		}
	}
	broken := run.ClockBound{Exceeded: true, Reason: "the clock of n1 was set"}
	tests := []struct {
		mode   kv.ReadMode
		clocks run.ClockBound
		excuse bool
	}{
		{kv.ReadLease, broken, true},
		{kv.ReadLease, run.ClockBound{}, false},
		{kv.ReadIndex, broken, false},
	}
	for _, tc := range tests {
		cfg := run.DefaultConfig(1)
		cfg.Server.ReadMode = tc.mode
		rs := results()
		judgeLeaseReads(cfg, tc.clocks, rs)
		for _, name := range []string{"linearizable", "counter", "set", "list-append"} {
			if tc.excuse {
				assert.Equal(t, checker.Unknown, rs[name].Valid, "%s %s", tc.mode, name)
				assert.Contains(t, rs[name].Summary, "the clock of n1 was set")
			} else {
				assert.Equal(t, checker.Invalid, rs[name].Valid, "%s %s", tc.mode, name)
			}
		}
		assert.Equal(t, checker.Invalid, rs["raft-invariants"].Valid, "safety is never excused")
		assert.Equal(t, checker.Valid, rs["stats"].Valid)
	}
}

// TestReplayRejectsAnEditedNemesis: a results.json whose fault kinds or
// intensities were edited into nonsense gets a one-line error and exit 3,
// not a crash (found in review).
func TestReplayRejectsAnEditedNemesis(t *testing.T) {
	store := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "--seed", "4", "--time", "2s", "--store", store)
	require.Equal(t, exitValid, code, stdout+stderr)
	_, dir := readResults(t, stdout)
	path := filepath.Join(dir, "results.json")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	for _, edit := range []struct{ from, to, want string }{
		{`"partition"`, `"bogus"`, `unknown kind "bogus"`},
		{`"loss": 0.2`, `"loss": 5`, "loss must be a probability"},
	} {
		require.Contains(t, string(b), edit.from)
		require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(b), edit.from, edit.to, 1)), 0o644))
		code, _, stderr := runCLI(t, "replay", dir)
		assert.Equal(t, exitError, code)
		assert.Contains(t, stderr, edit.want)
		assert.Equal(t, 1, strings.Count(stderr, "\n"), stderr)
	}
}
