package kv_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
	"raftcheck/harness"
	"raftcheck/harness/client"
	"raftcheck/harness/kv"
)

// crashLeaders crashes the current leader every 300–700ms and restarts it
// 200ms later, until the given time.
func crashLeaders(run *serviceRun, until time.Duration) {
	w := run.c.World
	r := w.Seeds().Stream("nemesis")
	var next func()
	next = func() {
		if w.Now() >= until {
			return
		}
		if l := run.c.Leader(); l != nil {
			addr := run.c.Addr(l.ID())
			_ = w.Crash(addr)
			w.After(200*time.Millisecond, func() { _ = w.Restart(addr) })
		}
		w.After(time.Duration(r.Between(int64(300*time.Millisecond), int64(700*time.Millisecond))), next)
	}
	w.After(500*time.Millisecond, next)
}

// TestRetriedIncrementsNeverCountTwice drives increments through leader
// crashes and a network that drops a tenth of all messages, requests and
// replies alike, so clients retry operations that already happened. The
// counter's final value must be the increments known to have happened plus
// at most those whose outcome is unknown, and no two acknowledged
// increments may return the same value.
func TestRetriedIncrementsNeverCountTwice(t *testing.T) {
	retries, totalOK, totalInfo := 0, 0, 0
	for seed := uint64(1); seed <= 20; seed++ {
		run := startService(t, serviceOpts{
			seed: seed, nodes: 5, clients: 5,
			server: kv.DefaultConfig(), client: client.DefaultConfig(),
			next: func(*harness.Stream) kv.Op { return kv.Op{F: kv.FIncr, Key: "c"} },
			gap:  5 * time.Millisecond,
		})
		w := run.c.World
		net := w.Network()
		net.Drop = harness.Prob(0.1)
		require.NoError(t, w.SetNetwork(net))
		crashLeaders(run, 8*time.Second)
		require.NoError(t, w.Run(10*time.Second), "seed %d", seed)
		run.c.Heal()
		run.quiesce(t)
		final := run.final(t, kv.Op{F: kv.FCount, Key: "c"})
		require.Equal(t, checker.OK, final.Type, "seed %d", seed)

		var ok, info int
		seen := map[int64]bool{}
		for _, op := range operations(run.rec.History()) {
			if op.invoke.F != kv.FIncr {
				continue
			}
			switch op.complete.Type {
			case checker.OK:
				ok++
				v, _ := intValue(t, op.complete.Value)
				require.False(t, seen[v], "seed %d: two increments returned %d", seed, v)
				seen[v] = true
				require.LessOrEqual(t, v, final.Result.Value, "seed %d", seed)
			case checker.Info:
				info++
			}
		}
		require.GreaterOrEqual(t, final.Result.Value, int64(ok), "seed %d: an acknowledged increment was lost", seed)
		require.LessOrEqual(t, final.Result.Value, int64(ok+info), "seed %d: an increment counted twice (%d ok, %d unknown)", seed, ok, info)
		assert.Greater(t, ok, 100, "seed %d", seed)
		totalOK, totalInfo = totalOK+ok, totalInfo+info
		for _, id := range run.c.Peers.IDs() {
			retries += run.c.Node(id).App().(*kv.Server).Store().Retries()
		}
	}
	t.Logf("%d increments acknowledged, %d unknown, %d retries answered from sessions", totalOK, totalInfo, retries)
	assert.Positive(t, totalInfo, "some increments timed out")
	assert.Positive(t, retries, "retried commands reached the log and were answered from their sessions")
}
