package run

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness"
	"raftcheck/harness/cluster"
)

// A round binds the voters whose clocks ran less than ElectionTick-1 ticks
// since it began; the leader and nodes down always count.
func TestLeaseRoundsBindByTheVotersClocks(t *testing.T) {
	tests := []struct {
		name  string
		fast  harness.PPM   // the followers' clock rate
		after time.Duration // true time since the round began
		down  int           // followers crashed
		bound int           // of 5
	}{
		{"just begun", 0, time.Millisecond, 0, 5},
		{"just inside the promise", 0, 89 * time.Millisecond, 0, 5},
		{"past the promise", 0, 91 * time.Millisecond, 0, 1},
		{"fast clocks end it sooner", 200_000, 80 * time.Millisecond, 0, 1},
		{"fast clocks, still inside", 200_000, 70 * time.Millisecond, 0, 5},
		{"nodes down stay bound", 0, 91 * time.Millisecond, 2, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := cluster.DefaultConfig(1) // ElectionTick 10 of 10 ms: a 90 ms promise
			c, err := cluster.New(cfg)
			require.NoError(t, err)
			w := c.World
			leader := c.Addr(1)
			for _, id := range c.Peers.IDs()[1:] {
				require.NoError(t, w.Clock(c.Addr(id)).SetRate(w.Now(), tc.fast))
			}
			run := DefaultConfig(1)
			run.Raft = cfg.Raft
			l := newLeaseRounds(w, c.Peers.Addrs, everyNode, run)
			l.probe(leader, 7)
			require.NoError(t, w.RunFor(tc.after))
			for i := 0; i < tc.down; i++ {
				require.NoError(t, w.Crash(c.Addr(uint64(2+i))))
			}
			bound, known := l.bound(leader, 7)
			require.True(t, known)
			assert.Equal(t, tc.bound, bound)
			_, known = l.bound(leader, 8)
			assert.False(t, known, "a round never seen is not judged")
		})
	}
}

// By its own clock, a leader may use a lease for the promise shortened by
// the drift bound, whatever the clocks actually do: with a 90 ms promise
// and clocks that may run 20% apart, 75 ms.
func TestALeaseLastsByItsOwnClockOnlyThePromiseOverTheDriftBound(t *testing.T) {
	tests := []struct {
		name  string
		after time.Duration
		over  bool
	}{
		{"well inside", 50 * time.Millisecond, false},
		{"just inside", 74 * time.Millisecond, false},
		{"past it, though no clock drifted", 76 * time.Millisecond, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := cluster.DefaultConfig(1) // ElectionTick 10 of 10 ms
			c, err := cluster.New(cfg)
			require.NoError(t, err)
			run := DefaultConfig(1)
			run.Raft = cfg.Raft
			run.Server.MaxDrift = 200_000
			l := newLeaseRounds(c.World, c.Peers.Addrs, everyNode, run)
			leader := c.Addr(1)
			l.probe(leader, 7)
			require.NoError(t, c.World.RunFor(tc.after))
			elapsed, limit, known := l.ownClock(leader, 7)
			require.True(t, known)
			assert.Equal(t, 75*time.Millisecond, limit)
			assert.Equal(t, tc.over, elapsed >= limit, "elapsed %v", elapsed)
		})
	}
}

// everyNode counts every node as a voter: the configuration never changes.
func everyNode(leader, a harness.Addr) bool { return true }
