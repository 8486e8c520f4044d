package kv_test

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
	"raftcheck/harness/client"
	"raftcheck/harness/cluster"
	"raftcheck/harness/kv"
)

// TestClientsRetireProcessesAfterInfo checks Jepsen's process discipline
// under faults: a process never has two operations outstanding, an
// operation that timed out completes as info, and the process that owned it
// never invokes again; a fresh process takes its place.
func TestClientsRetireProcessesAfterInfo(t *testing.T) {
	infos := 0
	for seed := uint64(1); seed <= 10; seed++ {
		cfg := client.DefaultConfig()
		cfg.OpTimeout = 300 * time.Millisecond // time out often
		run := startService(t, serviceOpts{
			seed: seed, nodes: 5, clients: 4, server: kv.DefaultConfig(), client: cfg,
			next: registerOps(), gap: 5 * time.Millisecond,
		})
		run.injectFaults(everyFault(), 8*time.Second)
		require.NoError(t, run.c.World.Run(10*time.Second))
		run.heal()
		run.quiesce(t)
		h := run.rec.History()
		require.NoError(t, h.Validate(), "seed %d", seed)

		retired := map[checker.Process]bool{}
		processes := map[checker.Process]bool{}
		for _, e := range h {
			processes[e.Process] = true
			require.False(t, retired[e.Process], "seed %d: process %v acts after its info", seed, e.Process)
			if e.Type == checker.Info {
				assert.Equal(t, "timeout", e.Error)
				retired[e.Process] = true
				infos++
			}
		}
		// Every info retires its process and brings a fresh one, which
		// appears unless the run stopped before it invoked anything.
		assert.LessOrEqual(t, len(processes), 4+len(retired), "seed %d", seed)
		assert.GreaterOrEqual(t, len(processes), 4+len(retired)-4, "seed %d", seed)
	}
	assert.Positive(t, infos, "operations timed out")
}

// TestOnAQuietNetworkEveryOperationSucceeds: clients start at different
// nodes, four of them followers, and still every operation succeeds.
func TestOnAQuietNetworkEveryOperationSucceeds(t *testing.T) {
	run := startService(t, serviceOpts{
		seed: 3, nodes: 5, clients: 5, server: kv.DefaultConfig(), client: client.DefaultConfig(),
		next: registerOps(), gap: 5 * time.Millisecond,
	})
	require.NoError(t, run.c.World.Run(3*time.Second))
	run.quiesce(t)
	var ok, failed int
	for _, op := range operations(run.rec.History()) {
		if op.complete.Type == checker.OK {
			ok++
		} else {
			failed++
		}
	}
	assert.Zero(t, failed, "on a quiet network every operation succeeds")
	assert.Greater(t, ok, 500)
}

func historyHash(t *testing.T, h checker.History) [32]byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, checker.WriteJSONL(&buf, h))
	return sha256.Sum256(buf.Bytes())
}

// TestServiceRunsAreDeterministic runs the same seed twice with every fault
// on and compares the histories and traces byte for byte.
func TestServiceRunsAreDeterministic(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		var hashes [2][32]byte
		var traces [2]string
		for i := range hashes {
			run := startService(t, serviceOpts{
				seed: seed, nodes: 5, clients: 4, server: kv.DefaultConfig(), client: client.DefaultConfig(),
				next: registerOps(), gap: 5 * time.Millisecond,
			})
			run.injectFaults(everyFault(), 4*time.Second)
			require.NoError(t, run.c.World.Run(5*time.Second))
			hashes[i] = historyHash(t, run.rec.History())
			traces[i] = run.c.World.Trace().SHA256()
		}
		assert.Equal(t, hashes[0], hashes[1], "seed %d: histories differ", seed)
		assert.Equal(t, traces[0], traces[1], "seed %d: traces differ", seed)
	}
}

// TestRedirectsShowInTheTrace checks that clients that start at followers
// are redirected: the nodes answer not-leader with a hint, and the client's
// next request goes to the leader.
func TestRedirectsShowInTheTrace(t *testing.T) {
	var buf bytes.Buffer
	ccfg := cluster.DefaultConfig(5)
	ccfg.Trace, ccfg.TraceTo = true, &buf
	ccfg.NewApp = kv.NewServer(kv.DefaultConfig())
	c, err := cluster.New(ccfg)
	require.NoError(t, err)
	require.NoError(t, c.World.Run(2*time.Second)) // a leader is elected
	clients, rec, err := c.AddClients(5, client.DefaultConfig())
	require.NoError(t, err)
	require.NoError(t, c.World.RunFor(0))
	for i, cl := range clients {
		require.NoError(t, cl.Invoke(kv.Op{F: kv.FWrite, Key: "k", Value: int64(i + 1)}))
	}
	require.NoError(t, c.World.RunFor(time.Second))
	require.NoError(t, c.World.Trace().Flush())
	trace := buf.String()
	assert.Equal(t, 4, strings.Count(trace, "not-leader leader="), "the four clients that started at followers were redirected once each")
	oks := 0
	for _, e := range rec.History() {
		if e.Type == checker.OK {
			oks++
		}
	}
	assert.Equal(t, 5, oks)
}
