package run_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
	"raftcheck/harness/kv"
	"raftcheck/harness/run"
	"raftcheck/workloads"
)

// etcdRun runs one seed of go.etcd.io/raft in the simulator, with every
// verdict: the run's own and the workload's.
func etcdRun(t *testing.T, cfg run.Config) (*run.Outcome, checker.Results) {
	t.Helper()
	cfg.System = "etcd"
	return executeChecked(t, cfg)
}

// executeChecked runs cfg and gives its outcome and every checker's result:
// the run's own and the workload's.
func executeChecked(t *testing.T, cfg run.Config) (*run.Outcome, checker.Results) {
	t.Helper()
	require.NoError(t, cfg.Validate())
	out, err := run.Execute(cfg)
	require.NoError(t, err)
	rs := checker.Results{}
	out.AddResults(rs)
	checked, err := workloads.Check(out.History, cfg.Workload, time.Minute)
	require.NoError(t, err)
	for name, r := range checked.Results {
		rs[name] = r
	}
	return out, rs
}

func historyBytes(t *testing.T, h checker.History) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, e := range h {
		b, err := json.Marshal(e)
		require.NoError(t, err)
		buf.Write(append(b, '\n'))
	}
	return buf.Bytes()
}

// etcd/raft draws its election timeouts from crypto/rand; the adapter
// never lets that draw matter (harness/etcdnode's doc), so one seed is one
// run, byte for byte, under every fault kind at once, membership changes
// and snapshots included.
func TestEtcdRunsAreDeterministic(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		cfg := run.DefaultConfig(seed)
		cfg.System = "etcd"
		cfg.UseSwarmWorld(nil)
		first, _ := etcdRun(t, cfg)
		second, _ := etcdRun(t, cfg)
		require.Equal(t, historyBytes(t, first.History), historyBytes(t, second.History), "seed %d", seed)
		assert.Equal(t, first.Cluster.World.Trace().SHA256(), second.Cluster.World.Trace().SHA256(), "seed %d", seed)
	}
}

// etcd/raft under every fault kind, with the same service, workloads and
// checkers as the bundled Raft: nothing is found on ReadIndex reads.
func TestEtcdPassesEveryWorkloadUnderFaults(t *testing.T) {
	for i, w := range workloads.Names() {
		cfg := run.DefaultConfig(uint64(10 + i))
		cfg.Time = 20 * time.Second
		cfg.Workload = w
		cfg.Nodes = 7
		cfg.Raft.Voters = []uint64{1, 2, 3, 4, 5}
		cfg.Raft.SnapshotEntries = 64
		cfg.Nemesis.Kinds = []string{"member-churn", "member-rejoin", "member-remove-leader", "partition-one", "kill-one", "transfer-leader", "pause-one", "packet-loss"}
		cfg.Nemesis.Interval, cfg.Nemesis.MaxActive = time.Second, 3
		cfg.Trace = false
		out, rs := etcdRun(t, cfg)
		for check, r := range rs {
			assert.NotEqual(t, checker.Invalid, r.Valid, "%s: %s: %s", w, check, r.Summary)
		}
		assert.Positive(t, len(out.History), w)
	}
}

// The service's local reads, which skip ReadIndex, are caught on etcd as
// on the bundled Raft: etcd's log is right, the service is wrong.
func TestLocalReadsAreCaughtOnEtcd(t *testing.T) {
	caught := 0
	for seed := uint64(1); seed <= 4; seed++ {
		cfg := run.DefaultConfig(seed)
		cfg.Time = 20 * time.Second
		cfg.Server.ReadMode = kv.ReadLocal
		cfg.Nemesis.Kinds = []string{"partition-leader", "partition-one"}
		cfg.Nemesis.Interval = time.Second
		cfg.Trace = false
		_, rs := etcdRun(t, cfg)
		if rs["linearizable"].Valid == checker.Invalid || rs["read-freshness"].Valid == checker.Invalid {
			caught++
		}
		assert.NotEqual(t, checker.Invalid, rs["raft-invariants"].Valid, fmt.Sprintf("seed %d: %s", seed, rs["raft-invariants"].Summary))
	}
	assert.GreaterOrEqual(t, caught, 3, "local reads caught on %d of 4 seeds", caught)
}

// etcd's lease reads (ReadOnlyLeaseBased, with CheckQuorum, clocks that
// keep pace and no pauses) are not safe: a leader cut off keeps its lease
// until its next CheckQuorum, up to two election timeouts after it last
// heard from a quorum, while its followers elect another leader after one.
// The lease-safety and read-freshness oracles see the stale reads; the
// bundled Raft's lease, on the same seeds, is sound.
func TestEtcdLeaseReadsAreStaleWhenTheLeaderIsCutOff(t *testing.T) {
	caught := 0
	for seed := uint64(1); seed <= 4; seed++ {
		cfg := run.DefaultConfig(seed)
		cfg.Time = 20 * time.Second
		cfg.Server.ReadMode = kv.ReadLease
		cfg.Server.MaxDrift = 0
		cfg.Nemesis.Kinds = []string{"partition-leader"}
		cfg.Nemesis.Interval = time.Second
		cfg.Trace = false
		_, rs := etcdRun(t, cfg)
		if rs["read-freshness"].Valid == checker.Invalid {
			caught++
		}
		assert.NotEqual(t, checker.Invalid, rs["raft-invariants"].Valid, "seed %d: %s", seed, rs["raft-invariants"].Summary)

		cfg.System = "bundled"
		out, err := run.Execute(cfg)
		require.NoError(t, err)
		bundled := checker.Results{}
		out.AddResults(bundled)
		assert.NotEqual(t, checker.Invalid, bundled["read-freshness"].Valid, "bundled, seed %d: %s", seed, bundled["read-freshness"].Summary)
	}
	assert.GreaterOrEqual(t, caught, 2, "stale etcd lease reads on %d of 4 seeds", caught)
}

// Swarm seeds that once failed on etcd by a fault of the adapter or the
// oracles, not of etcd: each runs valid now.
func TestEtcdSwarmSeedsThatFoundAdapterFaults(t *testing.T) {
	for _, tc := range []struct {
		seed     uint64
		workload string
		why      string
	}{
		// A leader paused, then resumed onto a slow disk, hears the next
		// term at once and steps down in etcd's memory, but its Ready
		// (the new term, the step-down) waits for its fsync, so Status
		// shows it leading meanwhile. It serves nothing as leader; the
		// CheckQuorum oracle asks the node's live role.
		{63000063, "register", "a step-down waiting for its fsync"},
		// A node catching up by snapshot steps a second snapshot while
		// the first one's Ready waits for its fsync: etcd restores the
		// second's configuration at once, and the view showed it beside
		// the applied index of the first.
		{63000983, "counter", "a snapshot's configuration before its Ready"},
		// A new leader commits its first entry, and with it a change
		// of an earlier term it has not applied, in the configuration it
		// had applied; it then applies them and takes a snapshot past
		// that index in the same step. The Durable Quorum check looked
		// that configuration up by index in a model whose start had
		// moved past it.
		{65000171, "register", "the configuration a step began with, past a snapshot"},
		{65000732, "register", "the configuration a step began with, with a learner"},
		// The nemesis asks for joint consensus to add a voter that is one
		// already: etcd enters a joint configuration with equal halves,
		// where the bundled Raft's rule, which the checker's model used,
		// refuses the change.
		{65000076, "append", "etcd's rules for a change, joint with equal halves"},
		{65000571, "append", "etcd's rules for a change, once more"},
		// One slow disk, the leader's: its heartbeats wait behind its own
		// write, no follower answers, and CheckQuorum rightly steps it
		// down; the oracle took the network for clean.
		{69000703, "register", "a leader's slow disk is no clean network"},
	} {
		t.Run(tc.why, func(t *testing.T) {
			cfg := run.DefaultConfig(tc.seed)
			cfg.System = "etcd"
			cfg.Workload = tc.workload
			cfg.UseSwarmWorld([]string{"workload"})
			cfg.Trace = false
			_, rs := etcdRun(t, cfg)
			for check, r := range rs {
				assert.NotEqual(t, checker.Invalid, r.Valid, "%s: %s", check, r.Summary)
			}
		})
	}
}
