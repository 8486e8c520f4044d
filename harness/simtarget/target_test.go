package simtarget_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness"
	"raftcheck/harness/cluster"
	"raftcheck/harness/simtarget"
	"raftcheck/nemesis"
)

func newTarget(t *testing.T, nodes int) (*cluster.Cluster, *simtarget.Target) {
	t.Helper()
	cfg := cluster.DefaultConfig(3)
	cfg.Nodes = nodes
	cfg.Disk.Torn = harness.Prob(0.25)
	c, err := cluster.New(cfg)
	require.NoError(t, err)
	return c, simtarget.ForCluster(c)
}

// The nodes come in address order, whatever their names sort as.
func TestNodesInAddressOrder(t *testing.T) {
	_, tg := newTarget(t, 11)
	assert.Equal(t, []string{"n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9", "n10", "n11"}, tg.Nodes())
}

// Packet and disk faults are laid over the starting configuration, and
// the zero faults put it back exactly.
func TestFaultsOverlayTheStartingConfiguration(t *testing.T) {
	c, tg := newTarget(t, 3)
	base, baseDisk := c.Config().Network, c.Config().Disk

	spike := nemesis.Exponential(10*time.Millisecond, 50*time.Millisecond, time.Second)
	require.NoError(t, tg.SetLinkFaults(nemesis.LinkFaults{Loss: 0.3, Delay: spike}))
	got := c.World.Network()
	assert.Equal(t, harness.Prob(0.3), got.Drop)
	assert.Equal(t, simtarget.Latency(spike), got.Latency)
	assert.Equal(t, base.Duplicate, got.Duplicate, "fields no fault set stay as they started")
	assert.Equal(t, base.Reorder, got.Reorder)
	require.NoError(t, tg.SetLinkFaults(nemesis.LinkFaults{}))
	assert.Equal(t, base, c.World.Network())

	require.NoError(t, tg.SetDiskFaults(nemesis.DiskFaults{FsyncLatency: nemesis.Uniform(time.Millisecond, 9*time.Millisecond)}))
	assert.Equal(t, harness.Uniform(time.Millisecond, 9*time.Millisecond), c.World.DiskConfig().SyncLatency)
	assert.Equal(t, baseDisk.Torn, c.World.DiskConfig().Torn)
	require.NoError(t, tg.SetDiskFaults(nemesis.DiskFaults{}))
	assert.Equal(t, baseDisk, c.World.DiskConfig())

	// A latency the world cannot draw from is refused, and changes nothing.
	assert.Error(t, tg.SetLinkFaults(nemesis.LinkFaults{Delay: nemesis.Latency{Kind: "gamma", Min: 1}}))
	assert.Equal(t, base, c.World.Network())
}

// Names the world does not know are errors, never a panic or another
// node's address.
func TestUnknownNodesAreErrors(t *testing.T) {
	c, tg := newTarget(t, 3)
	for name, call := range map[string]func() error{
		"cut":     func() error { return tg.Cut("n1", "n9") },
		"connect": func() error { return tg.Connect("x", "n1") },
		"crash":   func() error { return tg.Crash("n4") },
		"restart": func() error { return tg.Restart("") },
		"pause":   func() error { return tg.Pause("n0") },
		"resume":  func() error { return tg.Resume("c1") },
		"jump":    func() error { return tg.JumpClock("n4", time.Second) },
		"rate":    func() error { return tg.SetClockRate("n4", 10) },
		"clock":   func() error { _, _, err := tg.Clock("n4"); return err },
	} {
		assert.ErrorContains(t, call(), "no node", name)
	}
	assert.Equal(t, nemesis.NodeDown, tg.State("n4"))
	for _, a := range c.Peers.Addrs {
		assert.Equal(t, harness.NodeUp, c.World.State(a))
	}
}

// What the target does, the world did: lifecycle, links and clocks.
func TestTheTargetActsOnTheWorld(t *testing.T) {
	c, tg := newTarget(t, 3)
	require.NoError(t, tg.Crash("n2"))
	assert.Equal(t, nemesis.NodeDown, tg.State("n2"))
	require.NoError(t, tg.Restart("n2"))
	require.NoError(t, tg.Pause("n3"))
	assert.Equal(t, nemesis.NodePaused, tg.State("n3"))
	require.NoError(t, tg.Resume("n3"))
	assert.Equal(t, nemesis.NodeUp, tg.State("n3"))

	require.NoError(t, tg.Cut("n1", "n3"))
	assert.True(t, c.World.IsCut(c.Addr(1), c.Addr(3)))
	assert.False(t, c.World.IsCut(c.Addr(3), c.Addr(1)), "one way only")
	require.NoError(t, tg.Connect("n1", "n3"))
	assert.False(t, c.World.IsCut(c.Addr(1), c.Addr(3)))

	require.NoError(t, tg.JumpClock("n1", 2*time.Second))
	require.NoError(t, tg.SetClockRate("n1", 5000))
	off, rate, err := tg.Clock("n1")
	require.NoError(t, err)
	assert.Equal(t, 2*time.Second, off)
	assert.Equal(t, nemesis.PPM(5000), rate)

	_, ok := tg.Leader()
	assert.False(t, ok, "no leader before the cluster has run")
	require.NoError(t, c.World.Run(2*time.Second))
	leader, ok := tg.Leader()
	require.True(t, ok)
	assert.Equal(t, c.World.Name(c.Addr(c.Leader().ID())), leader)
}
