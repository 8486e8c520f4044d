package kv_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness"
	"raftcheck/harness/client"
	"raftcheck/harness/kv"
	"raftcheck/nemesis"
)

// registerOps writes values unique per key (1, 2, 3, ... on each key) and
// reads, half and half, over three keys.
func registerOps() func(r *harness.Stream) kv.Op {
	next := map[string]int64{}
	return func(r *harness.Stream) kv.Op {
		key := fmt.Sprintf("k%d", r.Below(3))
		if r.Below(2) == 0 {
			return kv.Op{F: kv.FRead, Key: key}
		}
		next[key]++
		return kv.Op{F: kv.FWrite, Key: key, Value: next[key]}
	}
}

func readModeRun(t *testing.T, seed uint64, mode kv.ReadMode, faults nemesis.Config) *serviceRun {
	t.Helper()
	server := kv.DefaultConfig()
	server.ReadMode = mode
	run := startService(t, serviceOpts{
		seed: seed, nodes: 5, clients: 6,
		server: server, client: client.DefaultConfig(),
		next: registerOps(), gap: 5 * time.Millisecond,
	})
	run.injectFaults(faults, 8*time.Second)
	require.NoError(t, run.c.World.Run(10*time.Second), "seed %d: the Raft invariants hold", seed)
	run.heal()
	run.quiesce(t)
	return run
}

// TestLinearizableReadModesNeverReadStale runs ReadIndex and lease reads
// under partitions, crashes, pauses and packet faults, with the Raft
// invariants checked on every step. For lease reads the clocks drift, but
// within the bound the lease allows for (two clocks at most 5% apart), and
// are never set.
func TestLinearizableReadModesNeverReadStale(t *testing.T) {
	seeds := uint64(30)
	if testing.Short() {
		seeds = 5
	}
	within := everyFault()
	within.Kinds = slices.DeleteFunc(within.Kinds, func(k string) bool { return k == "clock-bump" || k == "clock-strobe" })
	within.Params.DriftPPM = 25_000 // two clocks at most 50,000 ppm apart: the default MaxDrift
	for _, mode := range []kv.ReadMode{kv.ReadIndex, kv.ReadLease} {
		reads := 0
		var served kv.ReadCounts
		for seed := uint64(1); seed <= seeds; seed++ {
			run := readModeRun(t, seed, mode, within)
			require.Empty(t, staleReads(t, run.rec.History()), "mode %s seed %d", mode, seed)
			for _, id := range run.c.Peers.IDs() {
				s := run.c.Node(id).App().(*kv.Server).Served
				served.Index += s.Index
				served.Lease += s.Lease
			}
			for _, op := range operations(run.rec.History()) {
				if op.invoke.F == kv.FRead && op.complete.Type == "ok" {
					reads++
				}
			}
		}
		t.Logf("%s: %d reads over %d seeds, none stale; served by ReadIndex %d, by lease %d (live incarnations)", mode, reads, seeds, served.Index, served.Lease)
		assert.Greater(t, reads, int(seeds)*100)
		if mode == kv.ReadLease {
			assert.Greater(t, served.Lease, served.Index, "most reads are served under the lease")
		} else {
			assert.Zero(t, served.Lease)
		}
	}
}

// TestLocalReadsAreStaleUnderPartitions shows what the linearizable modes
// protect against: a node cut off from the majority keeps answering reads
// from its old state.
func TestLocalReadsAreStaleUnderPartitions(t *testing.T) {
	stale := 0
	for seed := uint64(1); seed <= 10; seed++ {
		run := readModeRun(t, seed, kv.ReadLocal, everyFault())
		stale += len(staleReads(t, run.rec.History()))
	}
	assert.Positive(t, stale, "local reads returned stale values")
	t.Logf("%d stale local reads over 10 seeds", stale)
}
