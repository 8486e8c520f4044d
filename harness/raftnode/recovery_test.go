package raftnode_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness"
	"raftcheck/harness/cluster"
	"raftcheck/harness/raftnode"
)

// stepUntil runs the world one event at a time until cond holds.
func stepUntil(t *testing.T, w *harness.World, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := w.Now() + limit
	for !cond() {
		require.True(t, w.Step(), "the world stopped: %v", w.Err())
		require.LessOrEqual(t, w.Now(), deadline, "condition not reached in time")
	}
}

// TestRecoveryFromATornRecord crashes a follower while a WAL write is on its
// way to the disk, so that a torn prefix of it survives (sometimes followed
// by garbage); the restarted node
// must discard the torn record (never misread it), recover every whole
// record, and catch up with the cluster, the invariants holding throughout.
func TestRecoveryFromATornRecord(t *testing.T) {
	for seed := uint64(1); seed <= 10; seed++ {
		cfg := cluster.DefaultConfig(seed)
		cfg.Nodes = 3
		cfg.Disk = harness.DiskConfig{SyncLatency: harness.Constant(5 * time.Millisecond), Torn: harness.Prob(1)}
		c, err := cluster.New(cfg)
		require.NoError(t, err)
		p := c.StartProposer(5*time.Millisecond, 4)
		require.NoError(t, c.World.Run(2*time.Second))
		leader := c.Leader()
		require.NotNil(t, leader)

		var follower uint64 = 1
		if leader.ID() == 1 {
			follower = 2
		}
		addr := c.Addr(follower)
		disk := c.World.Disk(addr)
		stepUntil(t, c.World, time.Second, func() bool { return disk.Unsynced() > 0 })
		durableBefore := disk.Size(raftnode.WALFile) // includes the unsynced write
		require.NoError(t, c.World.Crash(addr))
		require.Equal(t, uint64(1), disk.Counters().TornWrites, "seed %d", seed)
		if disk.Counters().TornGarbage == 0 {
			assert.Less(t, disk.Size(raftnode.WALFile), durableBefore, "seed %d: the unsynced write did not all survive", seed)
		} else {
			// Garbage fills the rest of the torn write's length.
			assert.LessOrEqual(t, disk.Size(raftnode.WALFile), durableBefore, "seed %d: nothing past the torn write", seed)
		}

		require.NoError(t, c.World.Restart(addr))
		require.NoError(t, c.World.RunFor(0))
		n := c.World.Node(addr).(*raftnode.Node)
		assert.Positive(t, n.RecoveredTornBytes(), "seed %d: the torn tail was found and cut off", seed)

		require.NoError(t, c.World.RunFor(time.Second), "seed %d", seed)
		p.Stop()
		require.NoError(t, c.World.RunFor(time.Second), "seed %d", seed)
		leader = c.Leader()
		require.NotNil(t, leader)
		assert.Equal(t, leader.Status().Commit, n.Status().Commit, "seed %d: the restarted node caught up", seed)
	}
}
