package raftnode_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftcheck/harness"
	"raftcheck/harness/cluster"
	"raftcheck/harness/raftnode"
	"raftcheck/raft"
)

// foldApp is a state machine for the node's own tests: the index it has
// applied and a hash folding in every entry, so two replicas agree exactly
// when they applied the same log. Its snapshot is both.
type foldApp struct {
	index uint64
	hash  uint64
}

func (a *foldApp) Start(raftnode.Host) {}
func (a *foldApp) Apply(e raft.Entry) {
	h := fnv.New64a()
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], a.hash)
	binary.BigEndian.PutUint64(b[8:], e.Index)
	h.Write(b[:])
	h.Write(e.Data)
	a.index, a.hash = e.Index, h.Sum64()
}
func (a *foldApp) Snapshot() []byte {
	return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, a.index), a.hash)
}
func (a *foldApp) Restore(index uint64, b []byte) error {
	if len(b) != 16 || binary.BigEndian.Uint64(b) != index {
		return errors.New("foldApp: not a snapshot of that index")
	}
	a.index, a.hash = binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:])
	return nil
}
func (a *foldApp) ReadStates([]raft.ReadState) {}
func (a *foldApp) Receive(harness.Addr, any)   {}
func (a *foldApp) Timer(uint64)                {}

// compactingCluster is three nodes that snapshot every 8 entries, with
// disks whose every crash tears the first write not yet durable, after
// writing back, half the time, some of those before it.
func compactingCluster(t *testing.T, seed uint64) *cluster.Cluster {
	t.Helper()
	cfg := cluster.DefaultConfig(seed)
	cfg.Nodes = 3
	cfg.Raft.SnapshotEntries = 8
	cfg.Raft.MaxSnapshotChunk = 5
	cfg.Disk = harness.DiskConfig{SyncLatency: harness.Uniform(time.Millisecond, 3*time.Millisecond), Torn: harness.Prob(1), Writeback: harness.Prob(0.5)}
	cfg.NewApp = func() raftnode.App { return &foldApp{} }
	c, err := cluster.New(cfg)
	require.NoError(t, err)
	return c
}

// requireSameState runs the cluster until every node has applied the same
// index, and requires the same state there.
func requireSameState(t *testing.T, c *cluster.Cluster, name string) {
	t.Helper()
	require.NoError(t, c.World.RunFor(3*time.Second), name)
	lead := c.Leader()
	require.NotNil(t, lead, name)
	want := lead.App().(*foldApp)
	for id := uint64(1); id <= 3; id++ {
		n := c.Up(id)
		require.NotNil(t, n, "%s: node %d is down", name, id)
		got := n.App().(*foldApp)
		require.Equal(t, want.index, got.index, "%s: node %d applied up to", name, id)
		require.Equal(t, want.hash, got.hash, "%s: node %d's state", name, id)
	}
}

// A crash at any step of taking a snapshot (writing it, renaming it,
// writing the WAL after it, renaming that) and at any step of installing
// one loses nothing: the node restarts, from the old files or the new,
// and ends with every other node's state. The disk tears the first write
// not yet durable at every crash.
func TestCrashesAroundSnapshotsLoseNothing(t *testing.T) {
	installed := false
	for seed := uint64(1); seed <= 4; seed++ {
		for _, after := range []int{0, 1, 2, 4, 8, 16, 32, 64} {
			name := func(what string) string { return fmt.Sprintf("%s, seed %d, %d events after", what, seed, after) }

			// Taking one.
			c := compactingCluster(t, seed)
			p := c.StartProposer(3*time.Millisecond, 2)
			require.NoError(t, c.World.Run(500*time.Millisecond))
			n := c.Up(2)
			taken := n.Snapshots()
			stepUntil(t, c.World, 2*time.Second, func() bool { return n.Snapshots() > taken })
			for range after {
				require.True(t, c.World.Step())
			}
			require.NoError(t, c.World.Crash(c.Addr(2)))
			require.NoError(t, c.World.RunFor(20*time.Millisecond))
			require.NoError(t, c.World.Restart(c.Addr(2)))
			require.NoError(t, c.World.RunFor(500*time.Millisecond), name("taking"))
			p.Stop()
			requireSameState(t, c, name("taking"))

			// Installing one.
			c = compactingCluster(t, seed)
			p = c.StartProposer(3*time.Millisecond, 2)
			require.NoError(t, c.World.Run(300*time.Millisecond))
			lead := c.Leader()
			require.NotNil(t, lead)
			behind := uint64(1 + lead.ID()%3)
			var rest []harness.Addr
			for id := uint64(1); id <= 3; id++ {
				if id != behind {
					rest = append(rest, c.Addr(id))
				}
			}
			c.World.Partition(rest, []harness.Addr{c.Addr(behind)})
			require.NoError(t, c.World.RunFor(500*time.Millisecond))
			c.Heal()
			n = c.Up(behind)
			own := n.Status().Snapshot
			require.Less(t, own, lead.Status().Snapshot, "%s: the leader compacted past what node %d holds", name("installing"), behind)
			// Crash as soon as its Raft has taken the leader's snapshot,
			// while the Ready that carries it is being written, or a few
			// events later.
			stepUntil(t, c.World, 3*time.Second, func() bool { return n.Status().Snapshot > own })
			for range after {
				require.True(t, c.World.Step())
			}
			require.NoError(t, c.World.Crash(c.Addr(behind)))
			require.NoError(t, c.World.RunFor(20*time.Millisecond))
			require.NoError(t, c.World.Restart(c.Addr(behind)))
			require.NoError(t, c.World.RunFor(500*time.Millisecond), name("installing"))
			p.Stop()
			requireSameState(t, c, name("installing"))
			installed = installed || c.Up(behind).Installs() > 0
		}
	}
	require.True(t, installed, "some restarted node installed a snapshot again after its crash")
}
