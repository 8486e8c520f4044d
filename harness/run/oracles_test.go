package run_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
	"raftcheck/harness/kv"
	"raftcheck/harness/run"
	"raftcheck/workloads"
)

// oracleRun runs one seed and returns the run's own verdicts and the
// history's linearizability verdict.
func oracleRun(t *testing.T, cfg run.Config) (checker.Results, checker.Validity) {
	t.Helper()
	out, err := run.Execute(cfg)
	require.NoError(t, err)
	checked, err := workloads.Check(out.History, cfg.Workload, time.Minute)
	require.NoError(t, err)
	rs := checker.Results{}
	out.AddResults(rs)
	return rs, checked.Results["linearizable"].Valid
}

// A leader that answers reads without confirming it still leads is caught
// by the read-freshness oracle on most seeds, where clients see a stale
// read (and Porcupine with them) on few: the oracle sees every read, not
// only those a client happened to race with a write. Without the bug, the
// same seeds pass.
func TestReadFreshnessSeesStaleReadsClientsMiss(t *testing.T) {
	seeds := 10
	byOracle, byClients := 0, 0
	for seed := 1; seed <= seeds; seed++ {
		cfg := run.DefaultConfig(uint64(seed))
		cfg.Time = 20 * time.Second
		cfg.Nemesis.Kinds, cfg.Nemesis.Interval = []string{"partition-leader"}, time.Second
		cfg.Trace = false
		clean, _ := oracleRun(t, cfg)
		require.Equal(t, checker.Valid, clean["read-freshness"].Valid, "seed %d without the bug: %s", seed, clean["read-freshness"].Summary)
		require.Equal(t, checker.Valid, clean["replica-digest"].Valid, "seed %d without the bug", seed)

		cfg.Server.Bug = kv.BugLeaderReads
		rs, lin := oracleRun(t, cfg)
		if rs["read-freshness"].Valid == checker.Invalid {
			byOracle++
		}
		if lin == checker.Invalid {
			byClients++
		}
	}
	t.Logf("leader-reads over %d seeds: the oracle caught %d, linearizability %d", seeds, byOracle, byClients)
	assert.GreaterOrEqual(t, byOracle, seeds/2)
	assert.Greater(t, byOracle, byClients, "the oracle sees what clients miss")
}

// Sessions that expire on each node's own clock instead of the leader's
// time in the log make replicas' state machines part once a clock is
// bumped: the digest oracle sees it, though every client is answered by
// one leader and linearizability holds.
func TestReplicaDigestSeesStateMachinesPart(t *testing.T) {
	seeds := 4
	caught := 0
	for seed := 1; seed <= seeds; seed++ {
		cfg := run.DefaultConfig(uint64(seed))
		cfg.Time = 6 * time.Second
		cfg.Server.SessionTTL = 300 * time.Millisecond
		cfg.Nemesis.Kinds, cfg.Nemesis.Interval = []string{"clock-bump", "kill-one"}, time.Second
		cfg.Trace = false
		clean, _ := oracleRun(t, cfg)
		require.Equal(t, checker.Valid, clean["replica-digest"].Valid, "seed %d without the bug: %s", seed, clean["replica-digest"].Summary)

		cfg.Server.Bug = kv.BugLocalExpiry
		rs, _ := oracleRun(t, cfg)
		if rs["replica-digest"].Valid == checker.Invalid {
			caught++
			assert.Equal(t, checker.Valid, rs["raft-invariants"].Valid, "the logs agree; only the state machines part")
		}
	}
	t.Logf("local-expiry over %d seeds: the digest oracle caught %d", seeds, caught)
	assert.GreaterOrEqual(t, caught, seeds/2)
}
