package nemesis_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness"
	"raftcheck/harness/cluster"
	"raftcheck/nemesis"
	"raftcheck/raft"
)

// A paused node handles nothing while the rest of the cluster goes on:
// messages to it are sent but wait undelivered, and its Raft state stands
// still while the others commit. The heal resumes it and it catches up.
func TestPauseFreezesNodesUntilHealed(t *testing.T) {
	tests := []struct {
		kind  string
		count func(n int) int
	}{
		{"pause-one", func(int) int { return 1 }},
		{"pause-leader", func(int) int { return 1 }},
		{"pause-minority", func(n int) int { return max(1, (n-1)/2) }},
	}
	for _, tt := range tests {
		for _, n := range []int{3, 5, 7} {
			t.Run(fmt.Sprintf("%s/%d", tt.kind, n), func(t *testing.T) {
				c, env := newCluster(t, sized(n, 21))
				lead := leader(t, c)
				p := c.StartProposer(10*time.Millisecond, 1)
				runFor(t, c, 200*time.Millisecond)
				w := c.World

				act, heal := startHeal(t, env, tt.kind)
				paused := decode[[]string](t, act)
				assert.Len(t, paused, tt.count(n))
				assert.Equal(t, paused, act.Nodes)
				if tt.kind == "pause-leader" {
					assert.Equal(t, []string{w.Name(lead)}, paused)
				}
				status := map[harness.Addr]raft.Status{}
				delivered := map[[2]harness.Addr]harness.LinkCounters{}
				for _, a := range c.Peers.Addrs {
					want := harness.NodeUp
					if slices.Contains(paused, w.Name(a)) {
						want = harness.NodePaused
						status[a] = statusOf(c, a)
						for _, o := range c.Peers.Addrs {
							delivered[[2]harness.Addr{o, a}] = w.LinkCounters(o, a)
						}
					}
					assert.Equal(t, want, w.State(a), w.Name(a))
				}
				committed := c.Committed()

				runFor(t, c, time.Second)
				assert.Greater(t, c.Committed(), committed, "the others go on committing")
				for a, st := range status {
					assert.Equal(t, st, statusOf(c, a), "%s changed while paused", w.Name(a))
					var sent uint64
					for _, o := range c.Peers.Addrs {
						before, now := delivered[[2]harness.Addr{o, a}], w.LinkCounters(o, a)
						assert.Equal(t, before.Delivered, now.Delivered, "%s -> paused %s", w.Name(o), w.Name(a))
						sent += now.Sent - before.Sent
					}
					assert.Positive(t, sent, "messages to %s were sent and wait", w.Name(a))
				}

				heal()
				runFor(t, c, 500*time.Millisecond)
				p.Stop()
				for a, st := range status {
					assert.Equal(t, harness.NodeUp, w.State(a))
					var got uint64
					for _, o := range c.Peers.Addrs {
						got += w.LinkCounters(o, a).Delivered - delivered[[2]harness.Addr{o, a}].Delivered
					}
					assert.Positive(t, got, "%s hears again", w.Name(a))
					assert.Greater(t, statusOf(c, a).Commit, st.Commit, "%s catches up", w.Name(a))
				}
			})
		}
	}
}

// Pauses take only running nodes, and heal only what they paused; with
// none running there is nothing to pause.
func TestPauseSkipsNodesNotUp(t *testing.T) {
	c, env := newCluster(t, sized(5, 22))
	leader(t, c)
	w := c.World
	require.NoError(t, w.Crash(addrOf(t, c, "n1")))
	for _, name := range []string{"n2", "n3", "n4"} {
		require.NoError(t, w.Pause(addrOf(t, c, name)))
	}
	act, heal := startHeal(t, env, "pause-minority")
	assert.Equal(t, []string{"n5"}, act.Nodes, "only n5 was running")
	for _, name := range []string{"pause-one", "pause-minority"} {
		_, _, err := lookup(t, name).Start(env)
		assert.ErrorIs(t, err, nemesis.ErrNothingToBreak, "%s with no node running", name)
	}
	heal()
	assert.Equal(t, harness.NodeUp, w.State(addrOf(t, c, "n5")))
	assert.Equal(t, harness.NodeDown, w.State(addrOf(t, c, "n1")))
	for _, name := range []string{"n2", "n3", "n4"} {
		assert.Equal(t, harness.NodePaused, w.State(addrOf(t, c, name)), "%s belongs to another fault", name)
	}
}

func statusOf(c *cluster.Cluster, a harness.Addr) raft.Status {
	id, _ := c.Peers.ID(a)
	return c.Node(id).Status()
}
