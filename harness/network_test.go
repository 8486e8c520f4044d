package harness_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness"
)

func TestNetworkDeliversAfterLatency(t *testing.T) {
	w, r := newWorld(t, 2, nil)
	r[0].env.Send(1, "hello")
	require.NoError(t, w.Run(999*time.Microsecond))
	assert.Empty(t, r[1].got, "nothing arrives before the latency has passed")
	require.NoError(t, w.Run(time.Millisecond))
	require.Len(t, r[1].got, 1)
	assert.Equal(t, delivery{at: time.Millisecond, from: 0, payload: "hello"}, r[1].got[0])
	c := w.LinkCounters(0, 1)
	assert.Equal(t, harness.LinkCounters{Sent: 1, Delivered: 1}, c)
}

func TestDroppedMessagesNeverArrive(t *testing.T) {
	w, r := newWorld(t, 2, func(c *harness.Config) { c.Network.Drop = harness.Prob(1) })
	for i := 0; i < 100; i++ {
		r[0].env.Send(1, i)
	}
	require.NoError(t, w.RunFor(time.Second))
	assert.Empty(t, r[1].got)
	nc := w.NetworkCounters()
	assert.Equal(t, uint64(100), nc.Sent)
	assert.Equal(t, uint64(100), nc.Dropped)
	assert.Equal(t, uint64(100), nc.DroppedLoss)
	assert.Zero(t, nc.Delivered)
}

func TestDropProbabilityIsRoughlyHonoured(t *testing.T) {
	w, r := newWorld(t, 2, func(c *harness.Config) { c.Network.Drop = harness.Prob(0.3) })
	const n = 10000
	for i := 0; i < n; i++ {
		r[0].env.Send(1, i)
	}
	require.NoError(t, w.RunFor(time.Second))
	c := w.LinkCounters(0, 1)
	assert.Equal(t, uint64(n), c.Delivered+c.Dropped)
	assert.InDelta(t, 0.3*n, float64(c.Dropped), 0.03*n)
}

func TestOneWayCutBlocksOneDirectionOnly(t *testing.T) {
	w, r := newWorld(t, 2, nil)
	w.Cut(0, 1)
	assert.True(t, w.IsCut(0, 1))
	assert.False(t, w.IsCut(1, 0))
	r[0].env.Send(1, "a->b")
	r[1].env.Send(0, "b->a")
	require.NoError(t, w.RunFor(10*time.Millisecond))
	assert.Empty(t, r[1].got, "the cut direction delivers nothing")
	assert.Equal(t, []any{"b->a"}, r[0].payloads(), "the other direction still works")
	assert.Equal(t, uint64(1), w.NetworkCounters().DroppedPartition)

	w.Connect(0, 1)
	r[0].env.Send(1, "after heal")
	require.NoError(t, w.RunFor(10*time.Millisecond))
	assert.Equal(t, []any{"after heal"}, r[1].payloads())
}

func TestCutDropsMessagesAlreadyInFlight(t *testing.T) {
	w, r := newWorld(t, 2, nil)
	r[0].env.Send(1, "in flight")
	w.Cut(0, 1)
	require.NoError(t, w.RunFor(10*time.Millisecond))
	assert.Empty(t, r[1].got)
	assert.Equal(t, uint64(1), w.LinkCounters(0, 1).Dropped)
}

func TestPartitionCutsBetweenGroupsOnly(t *testing.T) {
	w, _ := newWorld(t, 5, nil)
	w.Partition([]harness.Addr{0, 1}, []harness.Addr{2, 3, 4})
	for a := harness.Addr(0); a < 5; a++ {
		for b := harness.Addr(0); b < 5; b++ {
			if a == b {
				continue
			}
			sameSide := (a < 2) == (b < 2)
			assert.Equal(t, !sameSide, w.IsCut(a, b), "link %d->%d", a, b)
		}
	}
	w.HealNetwork()
	for a := harness.Addr(0); a < 5; a++ {
		for b := harness.Addr(0); b < 5; b++ {
			assert.False(t, w.IsCut(a, b))
		}
	}
}

func TestDuplicatedMessagesArriveTwice(t *testing.T) {
	w, r := newWorld(t, 2, func(c *harness.Config) { c.Network.Duplicate = harness.Prob(1) })
	for i := 0; i < 10; i++ {
		r[0].env.Send(1, i)
	}
	require.NoError(t, w.RunFor(time.Second))
	assert.Len(t, r[1].got, 20)
	counts := map[any]int{}
	for _, p := range r[1].payloads() {
		counts[p]++
	}
	for i := 0; i < 10; i++ {
		assert.Equal(t, 2, counts[i], "message %d", i)
	}
	c := w.LinkCounters(0, 1)
	assert.Equal(t, harness.LinkCounters{Sent: 10, Delivered: 20, Duplicated: 10}, c)
}

func TestLinksAreFIFOUnlessReordered(t *testing.T) {
	uniform := func(c *harness.Config) { c.Network.Latency = harness.Uniform(0, 10*time.Millisecond) }
	w, r := newWorld(t, 2, uniform)
	for i := 0; i < 200; i++ {
		r[0].env.Send(1, i)
	}
	require.NoError(t, w.RunFor(time.Second))
	require.Len(t, r[1].got, 200)
	for i, p := range r[1].payloads() {
		require.Equal(t, i, p, "without reordering a link keeps send order")
	}

	w, r = newWorld(t, 2, func(c *harness.Config) {
		uniform(c)
		c.Network.Reorder = harness.Prob(0.5)
	})
	for i := 0; i < 200; i++ {
		r[0].env.Send(1, i)
	}
	require.NoError(t, w.RunFor(time.Second))
	require.Len(t, r[1].got, 200)
	inversions := 0
	for i := 1; i < len(r[1].got); i++ {
		if r[1].got[i].payload.(int) < r[1].got[i-1].payload.(int) {
			inversions++
		}
	}
	assert.Greater(t, inversions, 10, "reordering lets messages overtake each other")
	assert.Positive(t, w.NetworkCounters().Reordered)
}

func TestMessagesToACrashedNodeVanish(t *testing.T) {
	w, r := newWorld(t, 2, nil)
	r[0].env.Send(1, "lost")
	require.NoError(t, w.Crash(1))
	require.NoError(t, w.Restart(1))
	require.NoError(t, w.RunFor(10*time.Millisecond))
	assert.Empty(t, r[1].got, "a message in flight to a node when it crashed never reaches the new incarnation")
	assert.Equal(t, uint64(1), w.NetworkCounters().DroppedDown)

	r[0].env.Send(1, "new")
	require.NoError(t, w.RunFor(10*time.Millisecond))
	assert.Equal(t, []any{"new"}, r[1].payloads())
}

func TestSendToUnknownAddressStopsTheRun(t *testing.T) {
	w, r := newWorld(t, 1, nil)
	r[0].env.Send(7, "nowhere")
	err := w.RunFor(time.Millisecond)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unknown address 7")
}
