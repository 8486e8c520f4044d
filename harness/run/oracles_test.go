package run_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
	"raftcheck/harness"
	"raftcheck/harness/kv"
	"raftcheck/harness/run"
	"raftcheck/nemesis"
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

// leaseRun is a lease-read run of seed against a leader whose lease the
// nemesis attacks: scenario-lease-edge skews the clocks against it by
// drift each way, then cuts it off; partition-leader cuts it off with the
// clocks true. With drift at most HalfDrift(bound) the two clocks run
// within it.
func leaseRun(seed uint64, nodes int, bound harness.PPM, drift nemesis.PPM) run.Config {
	cfg := run.DefaultConfig(seed)
	cfg.Time = 10 * time.Second
	cfg.Nodes = nodes
	cfg.Server.ReadMode = kv.ReadLease
	cfg.Server.MaxDrift = bound
	cfg.Nemesis.Kinds, cfg.Nemesis.Interval = []string{"scenario-lease-edge", "partition-leader"}, time.Second
	cfg.Nemesis.Params.DriftPPM = drift
	cfg.Trace = false
	return cfg
}

// leaseReads is how many reads the run's servers answered from a lease.
func leaseReads(out *run.Outcome) int {
	n := 0
	for _, id := range out.Cluster.Peers.IDs() {
		if node := out.Cluster.Node(id); node != nil {
			n += node.App().(*kv.Server).Served.Lease
		}
	}
	return n
}

// Lease reads whose clocks stay within the lease's drift bound always
// have a majority of voters bound not to elect anyone else, however the
// leader is attacked: the lease-safety oracle finds every one of them
// sound, and so do the other verdicts.
func TestLeaseSafetyHoldsWithinTheDriftBound(t *testing.T) {
	for _, tc := range []struct {
		nodes int
		bound harness.PPM
	}{{3, 50_000}, {5, 50_000}, {5, 400_000}} {
		for seed := uint64(1); seed <= 3; seed++ {
			cfg := leaseRun(seed, tc.nodes, tc.bound, run.HalfDrift(tc.bound))
			out, err := run.Execute(cfg)
			require.NoError(t, err)
			rs := checker.Results{}
			out.AddResults(rs)
			name := fmt.Sprintf("%d nodes, bound %d ppm, seed %d", tc.nodes, tc.bound, seed)
			require.False(t, out.Clocks.Exceeded, "%s: %s", name, out.Clocks.Reason)
			assert.Positive(t, leaseReads(out), "%s: reads were answered from a lease", name)
			for _, check := range []string{"lease-safety", "read-freshness", "raft-invariants", "replica-digest"} {
				assert.Equal(t, checker.Valid, rs[check].Valid, "%s: %s: %s", name, check, rs[check].Summary)
			}
			assert.Contains(t, rs["lease-safety"].Summary, "lease reads had a majority of voters bound", name)
		}
	}
}

// The same attack with the clocks skewed far beyond a lease's bound: the
// leader's slow clock keeps its lease after the followers' fast clocks
// have ended their promise, and the oracle sees a lease read without a
// majority behind it, whether or not a client's read came out stale.
func TestLeaseSafetySeesALeaseOutliveItsPromise(t *testing.T) {
	seeds, caught := 4, 0
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		cfg := leaseRun(seed, 5, 10_000, 200_000)
		cfg.Nemesis.Kinds = []string{"scenario-lease-edge"}
		out, err := run.Execute(cfg)
		require.NoError(t, err)
		if r := out.Oracles["lease-safety"]; r.Valid == checker.Invalid {
			caught++
			assert.Contains(t, r.Summary, "answered a read from its lease", "seed %d", seed)
		}
	}
	t.Logf("lease edge with clocks beyond the bound over %d seeds: the oracle caught %d", seeds, caught)
	assert.GreaterOrEqual(t, caught, seeds/2)
}
