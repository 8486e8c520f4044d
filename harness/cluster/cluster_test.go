package cluster_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness/cluster"
	"raftcheck/raft"
)

func TestAQuietClusterElectsALeaderAndCommits(t *testing.T) {
	for _, nodes := range []int{3, 5} {
		cfg := cluster.DefaultConfig(1)
		cfg.Nodes = nodes
		c, err := cluster.New(cfg)
		require.NoError(t, err)
		p := c.StartProposer(10*time.Millisecond, 1)
		require.NoError(t, c.World.Run(5*time.Second))
		leader := c.Leader()
		require.NotNil(t, leader)
		assert.Equal(t, raft.StateLeader, leader.Status().State)
		assert.Greater(t, p.Proposed, 400)
		assert.GreaterOrEqual(t, c.Committed(), p.Proposed-5, "nearly everything proposed is committed")
		for _, id := range c.Peers.IDs() {
			assert.Equal(t, leader.Status().Term, c.Live(id).Status().Term, "one term, no disruption")
		}
	}
}
