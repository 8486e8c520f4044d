package run_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
	"raftcheck/harness/kv"
	"raftcheck/harness/run"
)

// Runs whose configuration changes while partitions, crashes and log
// compaction go on, with two spare nodes outside the initial
// configuration: every verdict holds on the correct build, in both read
// modes (a lease is judged against the leader's configuration), and the
// runs reach the shapes membership bugs live in: joint configurations
// entered and left, a learner promoted, a removed leader stepping down, a
// node added back in the term it was removed in.
func TestRunsWithMembershipChurn(t *testing.T) {
	reached := map[string]bool{}
	for _, mode := range []kv.ReadMode{kv.ReadIndex, kv.ReadLease} {
		for seed := uint64(1); seed <= 3; seed++ {
			name := fmt.Sprintf("%s, seed %d", mode, seed)
			cfg := run.DefaultConfig(seed)
			cfg.Time = 20 * time.Second
			cfg.Workload = "counter"
			cfg.Nodes = 7
			cfg.Raft.Voters = []uint64{1, 2, 3, 4, 5}
			cfg.Raft.SnapshotEntries = 64
			cfg.Server.ReadMode = mode
			cfg.Nemesis.Kinds = []string{"member-churn", "member-rejoin", "member-remove-leader", "partition-one", "kill-one"}
			cfg.Nemesis.Interval, cfg.Nemesis.MaxActive = time.Second, 3
			cfg.Trace = false
			require.NoError(t, cfg.Validate())
			out, err := run.Execute(cfg)
			require.NoError(t, err, name)
			rs := checker.Results{}
			out.AddResults(rs)
			for check, r := range rs {
				assert.NotEqual(t, checker.Invalid, r.Valid, "%s: %s: %s", name, check, r.Summary)
			}
			for _, p := range out.Coverage {
				point, _, _ := strings.Cut(p, " | ")
				reached[point] = true
			}
		}
	}
	for _, p := range []string{
		"membership/joint-entered as=StateLeader", "membership/joint-left as=StateFollower",
		"membership/added as-learner=true", "membership/learner-promoted",
		"membership/removed as=StateLeader", "membership/removed-leader-stepped-down",
		"membership/re-added-in-term-removed", "snapshot/installed",
	} {
		assert.True(t, reached[p], "no run reached %s", p)
	}
}
