package run_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
	"raftcheck/harness/kv"
	"raftcheck/harness/run"
	"raftcheck/workloads"
)

// evictingRun is a run long enough, with a limit low enough, that it
// checks and evicts retired keys many times over.
func evictingRun(t *testing.T, seed uint64, workload string, bug string) (*run.Outcome, []byte) {
	t.Helper()
	cfg := run.DefaultConfig(seed)
	cfg.Workload = workload
	cfg.Time = 30 * time.Second
	cfg.Trace = false
	cfg.RetainEvents = 1000
	cfg.Server.Bug = bug
	if bug != "" {
		cfg.UseSwarm() // the faults of swarm seed 1 make leader-reads stale
	}
	var file bytes.Buffer
	cfg.HistoryTo = &file
	out, err := run.Execute(cfg)
	require.NoError(t, err)
	return out, file.Bytes()
}

// TestALongRunEvictsTheKeysItChecked checks the eviction of retired keys:
// the history file is the whole history and hashes to the outcome's hash,
// the history in memory is what the file holds less the evicted keys' events,
// and checking what stayed with what was evicted counted in gives the
// verdicts, stats and operation count that checking the whole file does.
func TestALongRunEvictsTheKeysItChecked(t *testing.T) {
	for _, workload := range []string{"register", "counter", "set", "append"} {
		t.Run(workload, func(t *testing.T) {
			out, file := evictingRun(t, 3, workload, "")
			require.Positive(t, out.Evicted.Keys, "keys were evicted")
			sum := sha256.Sum256(file)
			assert.Equal(t, hex.EncodeToString(sum[:]), out.HistorySHA256)

			whole, err := checker.ReadJSONL(bytes.NewReader(file), "history.jsonl")
			require.NoError(t, err)
			assert.Less(t, len(out.History), len(whole)/2, "most of the history left memory")
			byIndex := map[int]checker.Event{}
			for _, e := range whole {
				byIndex[e.Index] = e
			}
			for _, e := range out.History {
				assert.Equal(t, byIndex[e.Index], e, "an event kept in memory is the file's")
			}

			streamed, err := out.Check(time.Minute)
			require.NoError(t, err)
			all, err := workloads.Check(whole, workload, time.Minute)
			require.NoError(t, err)
			for name, r := range all.Results {
				assert.Equal(t, r.Valid, streamed.Results[name].Valid, "%s: %s / %s", name, r.Summary, streamed.Results[name].Summary)
			}
			assert.Equal(t, all.Results["stats"].Details, streamed.Results["stats"].Details)
			assert.Equal(t, all.Results["perf"].Details, streamed.Results["perf"].Details)
			assert.Contains(t, streamed.Results["linearizable"].Summary, "checked as they retired")
			assert.Equal(t, len(whole.Operations()), len(out.History.Operations())+out.Evicted.Operations())
		})
	}
}

// TestEvictionKeepsARunDeterministic runs an evicting seed twice.
func TestEvictionKeepsARunDeterministic(t *testing.T) {
	a, _ := evictingRun(t, 5, "register", "")
	b, _ := evictingRun(t, 5, "register", "")
	assert.Equal(t, a.HistorySHA256, b.HistorySHA256)
	assert.Equal(t, a.Evicted.Keys, b.Evicted.Keys)
}

// TestEvictionKeepsTheKeysThatFail checks that a planted stale read is
// still found in a run that evicts: a key it breaks keeps its events, and
// the final check reports it.
func TestEvictionKeepsTheKeysThatFail(t *testing.T) {
	out, _ := evictingRun(t, 1, "register", kv.BugLeaderReads)
	require.Positive(t, out.Evicted.Keys)
	checked, err := out.Check(time.Minute)
	require.NoError(t, err)
	assert.Equal(t, checker.Invalid, checked.Results["linearizable"].Valid, checked.Results["linearizable"].Summary)
}

// TestEvictionLeavesTheFinalReadsConsistent is a run whose every used key
// an eviction round checked before the end: the probe and final reads go
// to a key whose events are all still in memory, and the run is valid.
func TestEvictionLeavesTheFinalReadsConsistent(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		cfg := run.DefaultConfig(seed)
		cfg.Time = 5 * time.Second
		cfg.OpsPerKey, cfg.Clients, cfg.Rate, cfg.RetainEvents = 1, 1, 5, 1
		cfg.Nemesis.Kinds = nil
		cfg.Trace = false
		out, err := run.Execute(cfg)
		require.NoError(t, err)
		require.Positive(t, out.Evicted.Keys, "seed %d", seed)
		checked, err := out.Check(time.Minute)
		require.NoError(t, err)
		assert.Equal(t, checker.Valid, checked.Results["linearizable"].Valid, "seed %d: %s", seed, checked.Results["linearizable"].Summary)
	}
}

// TestAnEvictingRunHashesItsWholeHistory checks that a run that evicts
// without writing its history anywhere still has the whole history's hash:
// the one a run writing it gets.
func TestAnEvictingRunHashesItsWholeHistory(t *testing.T) {
	written, _ := evictingRun(t, 4, "register", "")
	cfg := run.DefaultConfig(4)
	cfg.Time, cfg.Trace, cfg.RetainEvents = 30*time.Second, false, 1000
	hashed, err := run.Execute(cfg)
	require.NoError(t, err)
	require.Positive(t, hashed.Evicted.Keys)
	assert.Equal(t, written.HistorySHA256, hashed.HistorySHA256)
}
