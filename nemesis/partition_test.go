package nemesis_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness"
	"raftcheck/nemesis"
)

// Each group partition cuts exactly the links between its groups, both
// ways, and no client link; its groups have the promised shape; its heal
// restores every link.
func TestGroupPartitionsCutExactlyBetweenGroups(t *testing.T) {
	tests := []struct {
		kind string
		// sizes are the groups' sizes for n nodes; fixed, when set, is the
		// exact split, by node name.
		sizes func(n int) []int
		fixed func(n int) [][]string
	}{
		{kind: "partition", sizes: func(n int) []int { return []int{n / 2, n - n/2} }},
		{kind: "partition-halves", sizes: func(n int) []int { return []int{n / 2, n - n/2} }, fixed: func(n int) [][]string {
			all := []string{"n1", "n2", "n3", "n4", "n5", "n6", "n7"}[:n]
			return [][]string{all[:n/2], all[n/2:]}
		}},
		{kind: "partition-one", sizes: func(n int) []int { return []int{1, n - 1} }},
		{kind: "partition-leader", sizes: func(n int) []int { return []int{1, n - 1} }},
		{kind: "partition-minority-third", sizes: func(n int) []int { return []int{max(1, n/3), n - max(1, n/3)} }},
	}
	for _, tt := range tests {
		for _, n := range []int{3, 4, 5, 7} {
			t.Run(fmt.Sprintf("%s/%d", tt.kind, n), func(t *testing.T) {
				c, env := newCluster(t, sized(n, 3))
				lead := leader(t, c)
				act, heal := startHeal(t, env, tt.kind)
				groups := decode[[][]string](t, act)

				require.Len(t, groups, 2)
				assert.Equal(t, tt.sizes(n), []int{len(groups[0]), len(groups[1])})
				if tt.fixed != nil {
					assert.Equal(t, tt.fixed(n), groups)
				}
				if tt.kind == "partition-leader" {
					assert.Equal(t, []string{c.World.Name(lead)}, groups[0])
					assert.Contains(t, act.Description, "leader")
				}
				group := map[harness.Addr]int{}
				for g, members := range groups {
					for _, name := range members {
						a := addrOf(t, c, name)
						_, dup := group[a]
						require.False(t, dup, "%s in two groups", name)
						group[a] = g
					}
				}
				require.Len(t, group, n, "every node is in a group")
				for _, from := range c.Peers.Addrs {
					for _, to := range c.Peers.Addrs {
						if from != to {
							assert.Equal(t, group[from] != group[to], c.World.IsCut(from, to), "%s -> %s", c.World.Name(from), c.World.Name(to))
						}
					}
				}
				assertClientLinksOpen(t, c)

				heal()
				assertNoCut(t, c)
			})
		}
	}
}

// An isolated node hears nothing from the moment of the cut, messages in
// flight included, and is heard by nobody, while the other nodes go on
// talking among themselves.
func TestIsolatedNodeHearsNothing(t *testing.T) {
	for _, kind := range []string{"partition-one", "partition-leader"} {
		t.Run(kind, func(t *testing.T) {
			c, env := newCluster(t, sized(5, 4))
			lead := leader(t, c)
			act := start(t, env, kind)
			require.Len(t, act.Nodes, 1)
			alone := addrOf(t, c, act.Nodes[0])
			if kind == "partition-leader" {
				assert.Equal(t, lead, alone)
			}
			w := c.World
			type pair struct{ from, to harness.Addr }
			before := map[pair]harness.LinkCounters{}
			for _, from := range c.Peers.Addrs {
				for _, to := range c.Peers.Addrs {
					before[pair{from, to}] = w.LinkCounters(from, to)
				}
			}

			runFor(t, c, time.Second)

			var othersDelivered, toAloneSent uint64
			for _, from := range c.Peers.Addrs {
				for _, to := range c.Peers.Addrs {
					if from == to {
						continue
					}
					b, a := before[pair{from, to}], w.LinkCounters(from, to)
					switch {
					case to == alone:
						assert.Equal(t, b.Delivered, a.Delivered, "%s delivered to the isolated %s", w.Name(from), w.Name(to))
						toAloneSent += a.Sent - b.Sent
					case from == alone:
						assert.Equal(t, b.Delivered, a.Delivered, "the isolated %s reached %s", w.Name(from), w.Name(to))
					default:
						othersDelivered += a.Delivered - b.Delivered
					}
				}
			}
			assert.Positive(t, toAloneSent, "the others kept trying to reach it")
			assert.Positive(t, othersDelivered, "the others still talk")
		})
	}
}

// The majorities ring: every node sees a majority counting itself, no two
// nodes see the same set, every link is cut both ways or neither, the
// nodes next to each other on the ring see each other, and the history
// names exactly the links cut.
func TestMajoritiesRing(t *testing.T) {
	for _, n := range []int{3, 4, 5, 6, 7, 8, 9} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			c, env := newCluster(t, sized(n, 5))
			act, heal := startHeal(t, env, "partition-ring")
			v := decode[struct {
				Ring []string    `json:"ring"`
				Cut  [][2]string `json:"cut"`
			}](t, act)
			w := c.World
			require.Len(t, v.Ring, n)

			var cut [][2]string
			seen := map[string]string{} // the set a node sees, as a key -> the node
			for _, from := range c.Peers.Addrs {
				key := ""
				sees := 0
				for _, to := range c.Peers.Addrs {
					assert.Equal(t, w.IsCut(from, to), w.IsCut(to, from), "%s and %s: a one-way cut", w.Name(from), w.Name(to))
					if from != to && w.IsCut(from, to) {
						cut = append(cut, [2]string{w.Name(from), w.Name(to)})
						key += "."
						continue
					}
					sees++
					key += "x"
				}
				assert.GreaterOrEqual(t, sees, n/2+1, "%s sees no majority", w.Name(from))
				if n > 3 { // with three nodes the middle of the opened ring sees both ends
					assert.Less(t, sees, n, "%s sees everybody", w.Name(from))
				}
				if other, dup := seen[key]; dup {
					t.Errorf("%s and %s see the same nodes", other, w.Name(from))
				}
				seen[key] = w.Name(from)
			}
			assert.Equal(t, cut, v.Cut)
			open := n
			if n == 3 {
				open = 2 // the ring is opened between its ends
			}
			for i := 0; i < open; i++ {
				a, b := addrOf(t, c, v.Ring[i]), addrOf(t, c, v.Ring[(i+1)%n])
				assert.False(t, w.IsCut(a, b), "ring neighbours %s and %s are cut", v.Ring[i], v.Ring[(i+1)%n])
			}
			assertClientLinksOpen(t, c)

			heal()
			assertNoCut(t, c)
		})
	}
}

func TestMajoritiesRingNeedsThreeNodes(t *testing.T) {
	for _, kind := range []string{"partition-ring", "partition-bridge"} {
		_, env := newCluster(t, sized(2, 1))
		k := lookup(t, kind)
		_, _, err := k.Start(env)
		assert.ErrorIs(t, err, nemesis.ErrNothingToBreak, kind)
	}
}

// A bridge node hears and is heard by everybody; the two sides hear nobody
// on the other side and everybody on their own.
func TestBridge(t *testing.T) {
	for _, n := range []int{3, 4, 5, 7} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			c, env := newCluster(t, sized(n, 6))
			act, heal := startHeal(t, env, "partition-bridge")
			v := decode[struct {
				Bridge string     `json:"bridge"`
				Sides  [][]string `json:"sides"`
			}](t, act)
			require.Len(t, v.Sides, 2)
			assert.Len(t, v.Sides[0], (n-1)/2)
			assert.Len(t, v.Sides[1], n-1-(n-1)/2)
			side := map[harness.Addr]int{addrOf(t, c, v.Bridge): 0}
			for s, members := range v.Sides {
				for _, name := range members {
					side[addrOf(t, c, name)] = s + 1
				}
			}
			require.Len(t, side, n, "the bridge and the sides cover every node once")
			w := c.World
			for _, from := range c.Peers.Addrs {
				for _, to := range c.Peers.Addrs {
					if from == to {
						continue
					}
					sf, st := side[from], side[to]
					wantCut := sf != 0 && st != 0 && sf != st
					assert.Equal(t, wantCut, w.IsCut(from, to), "%s -> %s", w.Name(from), w.Name(to))
				}
			}
			assertClientLinksOpen(t, c)

			heal()
			assertNoCut(t, c)
		})
	}
}

// A one-way partition cuts every link into the chosen node and nothing
// else; the choice is the leader about half the time and a random node
// otherwise.
func TestOneWay(t *testing.T) {
	c, _ := newCluster(t, sized(5, 7))
	lead := leader(t, c)
	w := c.World
	leaders, others := 0, 0
	for i := 0; i < 20; i++ {
		env := envWith(c, seedName(i))
		act, heal := startHeal(t, env, "partition-one-way")
		v := decode[struct {
			Node   string   `json:"node"`
			Leader bool     `json:"leader"`
			From   []string `json:"from"`
		}](t, act)
		deaf := addrOf(t, c, v.Node)
		assert.Equal(t, []string{v.Node}, act.Nodes)
		if v.Leader {
			leaders++
			assert.Equal(t, lead, deaf)
		} else {
			others++
		}
		for _, from := range c.Peers.Addrs {
			for _, to := range c.Peers.Addrs {
				if from != to {
					assert.Equal(t, to == deaf, w.IsCut(from, to), "%s -> %s", w.Name(from), w.Name(to))
				}
			}
		}
		assert.Len(t, v.From, 4)
		assertClientLinksOpen(t, c)
		heal()
		assertNoCut(t, c)
	}
	assert.Positive(t, leaders, "the leader is chosen sometimes")
	assert.Positive(t, others, "a random node is chosen sometimes")
}

// A one-way partition is one-way in effect: the deaf node hears nothing,
// the others still hear it.
func TestOneWayDeliversOutboundOnly(t *testing.T) {
	c, env := newCluster(t, sized(5, 8))
	leader(t, c)
	act := start(t, env, "partition-one-way")
	deaf := addrOf(t, c, act.Nodes[0])
	w := c.World
	in, out := map[harness.Addr]uint64{}, map[harness.Addr]uint64{}
	for _, o := range c.Peers.Addrs {
		in[o] = w.LinkCounters(o, deaf).Delivered
		out[o] = w.LinkCounters(deaf, o).Delivered
	}
	runFor(t, c, time.Second)
	var heard uint64
	for _, o := range c.Peers.Addrs {
		if o == deaf {
			continue
		}
		assert.Equal(t, in[o], w.LinkCounters(o, deaf).Delivered, "%s reached the deaf node", w.Name(o))
		heard += w.LinkCounters(deaf, o).Delivered - out[o]
	}
	assert.Positive(t, heard, "the deaf node is still heard")
}
