package nemesis_test

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness"
	"raftcheck/nemesis"
)

// Each kill crashes the promised number of nodes and no other; its heal
// restarts them and the cluster elects a leader again.
func TestKillCrashesTheRightNodesAndHealRestartsThem(t *testing.T) {
	tests := []struct {
		kind  string
		count func(n int) int
	}{
		{"kill-one", func(int) int { return 1 }},
		{"kill-minority", func(n int) int { return max(1, (n-1)/2) }},
		{"kill-majority", func(n int) int { return n/2 + 1 }},
		{"kill-leader", func(int) int { return 1 }},
		{"kill-all", func(n int) int { return n }},
	}
	for _, tt := range tests {
		for _, n := range []int{3, 5, 7} {
			t.Run(fmt.Sprintf("%s/%d", tt.kind, n), func(t *testing.T) {
				c, env := newCluster(t, sized(n, 11))
				lead := leader(t, c)
				act, heal := startHeal(t, env, tt.kind)
				killed := decode[[]string](t, act)
				assert.Len(t, killed, tt.count(n))
				assert.Equal(t, killed, act.Nodes)
				if tt.kind == "kill-leader" {
					assert.Equal(t, []string{c.World.Name(lead)}, killed)
				}
				for _, a := range c.Peers.Addrs {
					want := harness.NodeUp
					if slices.Contains(killed, c.World.Name(a)) {
						want = harness.NodeDown
					}
					assert.Equal(t, want, c.World.State(a), c.World.Name(a))
				}
				runFor(t, c, 500*time.Millisecond)

				heal()
				for _, a := range c.Peers.Addrs {
					assert.Equal(t, harness.NodeUp, c.World.State(a), c.World.Name(a))
				}
				leader(t, c)
			})
		}
	}
}

// A crash loses exactly the writes a node had not synced: with torn
// writes off, a killed node's disk is what it was at its last fsync, and
// a survivor's keeps everything.
func TestKillLosesExactlyTheUnsyncedWrites(t *testing.T) {
	cfg := sized(5, 12)
	cfg.Disk.Torn = harness.Prob(0)
	c, env := newCluster(t, cfg)
	leader(t, c)
	runFor(t, c, 500*time.Millisecond) // quiet: no proposals, no writes
	w := c.World

	// Make something of the test's own durable on every disk, beside the
	// WAL, with an fsync through the node's own Env.
	for _, id := range c.Peers.IDs() {
		w.Disk(c.Addr(id)).Append("probe", []byte("synced;"))
		c.Node(id).Env().Sync()
	}
	runFor(t, c, 100*time.Millisecond)
	synced := map[harness.Addr]map[string]string{}
	for _, a := range c.Peers.Addrs {
		d := w.Disk(a)
		require.Zero(t, d.Unsynced(), "%s: the test needs a quiet disk", w.Name(a))
		require.Positive(t, d.Size("raft.wal"), "%s has a WAL", w.Name(a))
		synced[a] = files(d)
		// Now three operations that are never synced.
		d.Append("probe", []byte("unsynced;"))
		d.WriteFile("probe2", []byte("unsynced"))
	}

	act := start(t, env, "kill-majority")
	for _, a := range c.Peers.Addrs {
		d := w.Disk(a)
		if slices.Contains(act.Nodes, w.Name(a)) {
			assert.Equal(t, synced[a], files(d), "%s: a crash keeps what was synced and only that", w.Name(a))
			assert.Equal(t, uint64(3), d.Counters().LostWrites, w.Name(a))
			assert.Zero(t, d.Unsynced())
		} else {
			want := maps.Clone(synced[a])
			want["probe"] += "unsynced;"
			want["probe2"] = "unsynced"
			assert.Equal(t, want, files(d), "%s was not killed", w.Name(a))
		}
	}
}

// Kills take only nodes that are up: a node another fault crashed is
// neither counted nor restarted by this fault's heal, and with every node
// down there is nothing to kill.
func TestKillLeavesDownNodesAlone(t *testing.T) {
	c, env := newCluster(t, sized(5, 13))
	leader(t, c)
	w := c.World
	n1, n2 := addrOf(t, c, "n1"), addrOf(t, c, "n2")
	require.NoError(t, w.Crash(n1))
	require.NoError(t, w.Crash(n2))

	act, heal := startHeal(t, env, "kill-majority")
	assert.Equal(t, []string{"n3", "n4", "n5"}, act.Nodes, "only three were up")
	for _, name := range []string{"kill-one", "kill-minority", "kill-majority", "kill-all"} {
		_, _, err := lookup(t, name).Start(env)
		assert.ErrorIs(t, err, nemesis.ErrNothingToBreak, "%s with every node down", name)
	}
	heal()
	assert.Equal(t, harness.NodeDown, w.State(n1))
	assert.Equal(t, harness.NodeDown, w.State(n2))
	for _, name := range []string{"n3", "n4", "n5"} {
		assert.Equal(t, harness.NodeUp, w.State(addrOf(t, c, name)), name)
	}
}

// A paused process can still be killed: kill-all takes paused nodes too.
func TestKillAllTakesPausedNodes(t *testing.T) {
	c, env := newCluster(t, sized(3, 14))
	leader(t, c)
	require.NoError(t, c.World.Pause(addrOf(t, c, "n2")))
	act, heal := startHeal(t, env, "kill-all")
	assert.Equal(t, []string{"n1", "n2", "n3"}, act.Nodes)
	heal()
	for _, a := range c.Peers.Addrs {
		assert.Equal(t, harness.NodeUp, c.World.State(a))
	}
}

func files(d *harness.Disk) map[string]string {
	out := map[string]string{}
	for _, name := range d.Files() {
		b, _ := d.ReadFile(name)
		out[name] = string(b)
	}
	return out
}
