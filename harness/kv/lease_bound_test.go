package kv_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness"
	"raftcheck/harness/client"
	"raftcheck/harness/kv"
)

// leaseScenario runs register load under lease reads, then, once a leader
// has served for a while, slows its clock to a tenth of true time and cuts
// it off from the other nodes (clients still reach it). The old leader's
// ticks slow down with its clock, so it takes ten times as long to notice
// it lost its quorum; meanwhile the others elect a new leader that takes
// writes. It returns the number of stale reads.
func leaseScenario(t *testing.T, seed uint64, maxDrift harness.PPM) (stale, leaseReads int) {
	t.Helper()
	server := kv.DefaultConfig()
	server.ReadMode = kv.ReadLease
	server.MaxDrift = maxDrift
	// Half the clients only read and half only write, on one key, so that
	// readers that found the old leader stay with it (their reads succeed
	// there) while writers move on to the new one.
	var written int64
	run := startService(t, serviceOpts{
		seed: seed, nodes: 5, clients: 10, server: server, client: client.DefaultConfig(),
		nextFor: func(i int, _ *harness.Stream) kv.Op {
			if i%2 == 0 {
				return kv.Op{F: kv.FRead, Key: "k"}
			}
			written++
			return kv.Op{F: kv.FWrite, Key: "k", Value: written}
		},
		gap: 2 * time.Millisecond,
	})
	w := run.c.World
	require.NoError(t, w.Run(2*time.Second))
	leader := run.c.Leader()
	require.NotNil(t, leader)
	la := run.c.Addr(leader.ID())
	require.NoError(t, w.SetClockRate(la, -900_000))
	var rest []harness.Addr
	for _, id := range run.c.Peers.IDs() {
		if id != leader.ID() {
			rest = append(rest, run.c.Addr(id))
		}
	}
	w.Partition([]harness.Addr{la}, rest)
	require.NoError(t, w.RunFor(3*time.Second), "the Raft invariants hold: only the lease's promise breaks")
	run.c.Heal()
	run.quiesce(t)
	for _, id := range run.c.Peers.IDs() {
		if n := run.c.Node(id); n != nil {
			leaseReads += n.App().(*kv.Server).Served.Lease
		}
	}
	return len(staleReads(t, run.rec.History())), leaseReads
}

// TestLeaseReadsBreakWhenTheDriftBoundIsTooSmall shows the lease's clock
// assumption is real: with the bound configured at 5% while a leader's
// clock runs 90% slow, the deposed leader keeps serving reads under a lease
// it no longer holds, and they are stale. Configured with a bound that
// covers the drift (95%), the same scenario reads nothing stale: the lease
// shrinks to what the slow clock can promise (here, less than a round trip,
// so reads fall back to ReadIndex).
func TestLeaseReadsBreakWhenTheDriftBoundIsTooSmall(t *testing.T) {
	staleSmall, staleLarge := 0, 0
	for seed := uint64(1); seed <= 5; seed++ {
		s, _ := leaseScenario(t, seed, 50_000)
		staleSmall += s
		s, _ = leaseScenario(t, seed, 950_000)
		staleLarge += s
	}
	t.Logf("stale lease reads: %d with a 5%% bound, %d with a 95%% bound", staleSmall, staleLarge)
	assert.Positive(t, staleSmall, "a bound smaller than the real drift breaks lease reads")
	assert.Zero(t, staleLarge, "a bound covering the drift keeps them linearizable")
}
