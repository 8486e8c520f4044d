package nemesis_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness"
	"raftcheck/harness/cluster"
	"raftcheck/harness/simtarget"
)

// A slow disk changes the fsync latency and nothing else of the disks'
// configuration; fsyncs then take as long as it says, on every node. Its
// heal puts back the cluster's baseline, and fsyncs are quick again.
func TestDiskSlow(t *testing.T) {
	cfg := sized(5, 51)
	cfg.Disk.Torn = harness.Prob(0.5)
	c, env := newCluster(t, cfg)
	leader(t, c)
	// Quiet, with no proposals: no fsync of the nodes' own is in flight
	// to delay the test's (fsyncs complete in order). The last commit
	// index may be written and not synced; the test's fsync takes it too.
	runFor(t, c, 500*time.Millisecond)
	base := c.Config().Disk

	act, heal := startHeal(t, env, "disk-slow")
	want := base
	want.SyncLatency = simtarget.Latency(env.Params.SlowFsync)
	assert.NotEqual(t, base, want)
	assert.Equal(t, want, c.World.DiskConfig(), "only the fsync latency changes")
	assert.Len(t, act.Nodes, 5)
	for _, id := range c.Peers.IDs() {
		d := syncTime(t, c, id)
		assert.GreaterOrEqual(t, d, env.Params.SlowFsync.Min, "n%d", id)
		assert.LessOrEqual(t, d, env.Params.SlowFsync.Max+time.Millisecond, "n%d", id)
	}

	heal()
	assert.Equal(t, base, c.World.DiskConfig())
	for _, id := range c.Peers.IDs() {
		assert.LessOrEqual(t, syncTime(t, c, id), base.SyncLatency.Max+time.Millisecond, "n%d", id)
	}
}

// syncTime writes to node id's disk, starts an fsync through the node's
// Env, and measures, to the millisecond, how long until every write is
// durable.
func syncTime(t *testing.T, c *cluster.Cluster, id uint64) time.Duration {
	t.Helper()
	d := c.World.Disk(c.Addr(id))
	d.Append("probe", []byte("x"))
	c.Node(id).Env().Sync()
	began := c.Now()
	for i := 0; i < 1000 && d.Unsynced() > 0; i++ {
		runFor(t, c, time.Millisecond)
	}
	require.Zero(t, d.Unsynced(), "n%d: the fsync never completed", id)
	return c.Now() - began
}
