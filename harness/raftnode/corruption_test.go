package raftnode_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness"
	"raftcheck/harness/cluster"
	"raftcheck/harness/raftnode"
	"raftcheck/raft/wal"
)

// A node whose disk was damaged under it refuses to start: a record in
// the middle of its WAL, or any byte of its snapshot, no longer matches its
// checksum. It halts and stays down (the run goes on, since the disk, not
// the node, is at fault), and restarting it again changes nothing. Damage
// to the last record reads as a torn tail, which a crash leaves too: a
// node that then starts regardless has recovered from damage it never
// noticed, and the run fails.
func TestADamagedDiskStopsTheNode(t *testing.T) {
	tests := []struct {
		name string
		// damage flips a bit of the down node's disk.
		damage func(d *harness.Disk)
		halts  bool
	}{
		{"a record in the middle of the WAL", func(d *harness.Disk) {
			spans := wal.Spans(d.Durable(raftnode.WALFile))
			r := spans[len(spans)/2]
			d.FlipBit(raftnode.WALFile, r.Off+r.Len-1, 3)
		}, true},
		{"the snapshot file", func(d *harness.Disk) {
			d.FlipBit(raftnode.SnapshotFile, 20, 0)
		}, true},
		{"the last record of the WAL", func(d *harness.Disk) {
			spans := wal.Spans(d.Durable(raftnode.WALFile))
			r := spans[len(spans)-1]
			d.FlipBit(raftnode.WALFile, r.Off+r.Len-1, 3)
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := cluster.DefaultConfig(3)
			cfg.Nodes = 3
			cfg.Raft.SnapshotEntries = 16
			cfg.NewApp = func() raftnode.App { return &foldApp{} }
			c, err := cluster.New(cfg)
			require.NoError(t, err)
			c.StartProposer(5*time.Millisecond, 2)
			require.NoError(t, c.World.Run(2*time.Second))
			leader := c.Leader()
			require.NotNil(t, leader)
			follower := uint64(1)
			if leader.ID() == 1 {
				follower = 2
			}
			addr := c.Addr(follower)
			require.NoError(t, c.World.Crash(addr))
			disk := c.World.Disk(addr)
			require.NotEmpty(t, disk.Durable(raftnode.SnapshotFile), "the follower took a snapshot")
			tc.damage(disk)
			require.NoError(t, c.World.Restart(addr))
			err = c.World.RunFor(100 * time.Millisecond)
			if !tc.halts {
				require.ErrorContains(t, err, "without noticing")
				return
			}
			require.NoError(t, err, "a damaged disk is no failure of the run")
			assert.Equal(t, harness.NodeDown, c.World.State(addr))
			assert.Contains(t, c.World.Halted(addr), "corrupt")
			require.NoError(t, c.World.Restart(addr))
			require.NoError(t, c.World.RunFor(100*time.Millisecond))
			assert.Equal(t, harness.NodeDown, c.World.State(addr), "it refuses again")
			require.NotNil(t, c.Leader(), "the rest serve on")
		})
	}
}
