package run_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
	"raftcheck/harness"
	"raftcheck/harness/run"
)

// With log compaction every few entries, partitions and crashes make
// followers fall behind the leader's snapshot and catch up by
// InstallSnapshot, in chunks, and make nodes restart from a snapshot and
// the WAL after it. Every verdict holds on the correct build, exactly-once
// included (the counter workload: a retried increment applied twice after
// an install would show).
func TestRunsWithCompactionCatchUpBySnapshot(t *testing.T) {
	reached := map[string]bool{}
	for _, workload := range []string{"register", "counter"} {
		for seed := uint64(1); seed <= 3; seed++ {
			name := fmt.Sprintf("%s, seed %d", workload, seed)
			cfg := run.DefaultConfig(seed)
			cfg.Time = 15 * time.Second
			cfg.Workload = workload
			cfg.Raft.SnapshotEntries = 20
			cfg.Raft.MaxSnapshotChunk = 256
			cfg.Nemesis.Kinds, cfg.Nemesis.Interval = []string{"partition-one", "kill-one", "partition"}, time.Second
			cfg.Trace = false
			out, err := run.Execute(cfg)
			require.NoError(t, err, name)
			rs := checker.Results{}
			out.AddResults(rs)
			for _, check := range []string{"raft-invariants", "read-freshness", "replica-digest", "liveness"} {
				assert.Equal(t, checker.Valid, rs[check].Valid, "%s: %s: %s", name, check, rs[check].Summary)
			}
			for _, p := range out.Coverage {
				point, _, _ := strings.Cut(p, " | ") // drop the fault context
				reached[point] = true
			}
		}
	}
	for _, p := range []string{"snapshot/installed", "restart/from-snapshot", "snapshot/taken-as=StateLeader", "snapshot/taken-as=StateFollower"} {
		assert.True(t, reached[p], "no run reached %s", p)
	}
	var points []string
	for p := range reached {
		points = append(points, p)
	}
	slices.Sort(points)
	t.Logf("coverage: %v", points)
}

// The two snapshot scenarios find their moments: a follower cut off until
// the leader's snapshot passes it catches up by InstallSnapshot (crashed
// as it installs, half the time), and a node that just took a snapshot is
// crashed while it is written. Every verdict holds on the correct build.
func TestSnapshotScenariosStrikeAndTheRaftHolds(t *testing.T) {
	counts := map[string]int{}
	for seed := uint64(1); seed <= 3; seed++ {
		name := fmt.Sprintf("seed %d", seed)
		cfg := run.DefaultConfig(seed)
		cfg.Time = 20 * time.Second
		cfg.Workload = "counter"
		cfg.Raft.SnapshotEntries = 32
		cfg.Raft.MaxSnapshotChunk = 128
		cfg.Disk.Torn = harness.Prob(1)
		cfg.Nemesis.Kinds, cfg.Nemesis.Interval = []string{"scenario-snapshot-catch-up", "scenario-crash-in-snapshot"}, time.Second
		cfg.Trace = false
		out, err := run.Execute(cfg)
		require.NoError(t, err, name)
		for _, step := range scenarioSteps(t, out.History) {
			switch {
			case strings.HasPrefix(step, "the leader compacted past"):
				counts["reconnected past a snapshot"]++
			case strings.HasPrefix(step, "crash the follower as it installs"):
				counts["crashed installing"]++
			case strings.HasPrefix(step, "the follower installed a snapshot"):
				counts["installed"]++
			case strings.HasPrefix(step, "crash a node that just took a snapshot"):
				counts["crashed taking"]++
			}
		}
		rs := checker.Results{}
		out.AddResults(rs)
		for _, check := range []string{"raft-invariants", "read-freshness", "replica-digest", "liveness", "exactly-once"} {
			assert.Equal(t, checker.Valid, rs[check].Valid, "%s: %s: %s", name, check, rs[check].Summary)
		}
	}
	t.Logf("scenario steps: %v", counts)
	for _, what := range []string{"reconnected past a snapshot", "crashed installing", "installed", "crashed taking"} {
		assert.NotZero(t, counts[what], "no run %s", what)
	}
}
