package raftnode_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftcheck/harness/cluster"
	"raftcheck/harness/raftnode"
	"raftcheck/raft"
)

// proposeConfChange proposes cc on the leader, retrying while the leader
// has not yet committed an entry of its term or another change is
// pending, and runs the cluster until the change is in force on every
// node given.
func proposeConfChange(t *testing.T, c *cluster.Cluster, cc raft.ConfChange, want string, on ...uint64) {
	t.Helper()
	proposed := false
	for range 200 {
		if l := c.Leader(); l != nil && !proposed {
			_, _, err := l.ProposeConfChange(cc)
			proposed = err == nil
		}
		require.NoError(t, c.World.RunFor(10*time.Millisecond))
		done := proposed
		for _, id := range on {
			if n := c.Up(id); n == nil || n.ConfState().String() != want {
				done = false
			}
		}
		if done {
			return
		}
	}
	t.Fatalf("%s never in force everywhere", cc)
}

// The simulated node drives membership changes: a node outside the initial
// configuration is added as a learner, catches up from the log or a
// snapshot, and is promoted; the invariants hold throughout and every
// node ends with the same state.
func TestANodeJoinsAsALearnerAndIsPromoted(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		cfg := cluster.DefaultConfig(seed)
		cfg.Nodes = 4
		cfg.Raft.Voters = []uint64{1, 2, 3}
		cfg.Raft.SnapshotEntries = 16
		cfg.NewApp = func() raftnode.App { return &foldApp{} }
		c, err := cluster.New(cfg)
		require.NoError(t, err)
		p := c.StartProposer(3*time.Millisecond, 2)
		require.NoError(t, c.World.Run(500*time.Millisecond))
		require.Zero(t, c.Up(4).Status().Commit, "seed %d: node 4 is not a member yet", seed)

		proposeConfChange(t, c, raft.ConfChange{Changes: []raft.ConfChangeSingle{{Type: raft.AddLearner, NodeID: 4}}}, "voters=(1 2 3) learners=(4)", 1, 2, 3, 4)
		proposeConfChange(t, c, raft.ConfChange{Changes: []raft.ConfChangeSingle{{Type: raft.AddVoter, NodeID: 4}}}, "voters=(1 2 3 4)", 1, 2, 3, 4)
		p.Stop()
		require.NoError(t, c.World.RunFor(time.Second))
		want := c.Leader().App().(*foldApp)
		for id := uint64(1); id <= 4; id++ {
			got := c.Up(id).App().(*foldApp)
			require.Equal(t, *want, *got, "seed %d: node %d's state", seed, id)
		}
	}
}
