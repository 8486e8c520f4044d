package harness_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness"
)

func TestAPausedNodeHandlesNothingUntilResumed(t *testing.T) {
	w, r := newWorld(t, 2, nil)
	r[1].env.SetTimer(3*time.Millisecond, 42)
	require.NoError(t, w.Pause(1))
	assert.Equal(t, harness.NodePaused, w.State(1))
	r[0].env.Send(1, "first")
	r[0].env.Send(1, "second")
	require.NoError(t, w.RunFor(50*time.Millisecond))
	assert.Empty(t, r[1].got, "no message is handled while paused")
	assert.Empty(t, r[1].timers, "no timer fires while paused")

	require.NoError(t, w.Resume(1))
	require.NoError(t, w.RunFor(0))
	assert.Equal(t, []any{"first", "second"}, r[1].payloads(), "what waited is handled on resume, in order")
	require.Len(t, r[1].timers, 1)
	assert.Equal(t, uint64(42), r[1].timers[0].tag)
	assert.Equal(t, 50*time.Millisecond, r[1].got[0].at, "handled at resume time")
}

func TestACrashedNodeLosesItsVolatileStateAndTimers(t *testing.T) {
	w, r := newWorld(t, 1, nil)
	old := r[0]
	old.env.SetTimer(time.Millisecond, 1)
	require.NoError(t, w.Crash(0))
	assert.Equal(t, harness.NodeDown, w.State(0))
	assert.Nil(t, w.Node(0))
	require.NoError(t, w.RunFor(10*time.Millisecond))
	assert.Empty(t, old.timers, "a dead node's timers never fire")

	require.NoError(t, w.Restart(0))
	require.NoError(t, w.RunFor(10*time.Millisecond))
	assert.NotSame(t, old, r[0], "a restart builds a fresh incarnation")
	assert.Equal(t, 1, r[0].starts)
	assert.Empty(t, r[0].timers, "nor do they fire in the new incarnation")

	old.env.Send(0, "from the grave")
	old.env.SetTimer(time.Millisecond, 9)
	require.NoError(t, w.RunFor(10*time.Millisecond))
	assert.Empty(t, r[0].got, "the old incarnation's Env is inert")
	assert.Empty(t, r[0].timers)
}

func TestCancelledTimersDoNotFire(t *testing.T) {
	w, r := newWorld(t, 1, nil)
	id := r[0].env.SetTimer(time.Millisecond, 1)
	r[0].env.SetTimer(2*time.Millisecond, 2)
	r[0].env.CancelTimer(id)
	require.NoError(t, w.RunFor(10*time.Millisecond))
	require.Len(t, r[0].timers, 1)
	assert.Equal(t, uint64(2), r[0].timers[0].tag)
}

func TestLifecycleErrors(t *testing.T) {
	w, err := harness.New(harness.Config{})
	require.NoError(t, err)
	c, err := w.AddClient("c1", &recorder{})
	require.NoError(t, err)
	require.ErrorContains(t, w.Crash(c), "cannot crash")
	require.ErrorContains(t, w.Crash(9), "no endpoint")
	_, err = w.AddClient("c1", &recorder{})
	require.ErrorContains(t, err, "already exists")
	_, err = w.AddNode("n1", nil)
	require.Error(t, err)
	require.ErrorContains(t, w.SetClockRate(c, -1_000_000), "below the minimum")
}

func TestEventsAtTheSameTimeRunInSchedulingOrder(t *testing.T) {
	w, err := harness.New(harness.Config{})
	require.NoError(t, err)
	var order []int
	for i := 0; i < 100; i++ {
		i := i
		w.At(5*time.Millisecond, func() { order = append(order, i) })
	}
	w.At(time.Millisecond, func() { order = append(order, -1) })
	require.NoError(t, w.Run(time.Second))
	require.Len(t, order, 101)
	assert.Equal(t, -1, order[0])
	for i := 0; i < 100; i++ {
		assert.Equal(t, i, order[i+1])
	}
	assert.Equal(t, time.Second, w.Now(), "Run ends at its horizon")
}

func TestStopEndsTheRunWithTheFirstError(t *testing.T) {
	w, err := harness.New(harness.Config{})
	require.NoError(t, err)
	ran := 0
	w.At(time.Millisecond, func() { ran++; w.Stop(assert.AnError) })
	w.At(time.Millisecond, func() { ran++ })
	require.ErrorIs(t, w.Run(time.Second), assert.AnError)
	assert.Equal(t, 1, ran)
	assert.Equal(t, time.Millisecond, w.Now())
}

// A node restarted at the very instant a message reaches it hears the
// message only once it has started: the message waits for its Start, as it
// would for a paused node, and is handled at that instant, after Start.
func TestAMessageArrivingAsANodeRestartsWaitsForItsStart(t *testing.T) {
	w, r := newWorld(t, 2, nil)
	require.NoError(t, w.Crash(1))
	arrival := w.Now() + time.Millisecond // the network's constant latency
	// Scheduled before the message is sent, the restart runs first at
	// that instant: the message arrives at a node that is up but has not
	// started.
	w.At(arrival, func() { require.NoError(t, w.Restart(1)) })
	r[0].env.Send(1, "as it boots")
	require.NoError(t, w.RunFor(10*time.Millisecond))
	require.Equal(t, 1, r[1].starts)
	assert.Equal(t, []any{"as it boots"}, r[1].payloads())
	assert.Equal(t, arrival, r[1].got[0].at, "handled at the restart's instant, after Start")
}
