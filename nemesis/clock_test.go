package nemesis_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness"
	"raftcheck/harness/cluster"
	"raftcheck/nemesis"
)

// A bump moves exactly one clock, by an amount of the drawn size either
// way, and changes no rate; the heal sets it back to true time.
func TestClockBump(t *testing.T) {
	p := nemesis.DefaultParams()
	forward, back := 0, 0
	for i := 0; i < 20; i++ {
		c, _ := newCluster(t, sized(5, 31))
		env := envWith(c, seedName(i))
		runFor(t, c, 100*time.Millisecond)
		act, heal := startHeal(t, env, "clock-bump")
		v := decode[struct {
			Node  string        `json:"node"`
			Delta time.Duration `json:"delta"`
		}](t, act)
		assert.Equal(t, []string{v.Node}, act.Nodes)
		offsets := offsets(c)
		for name, off := range offsets {
			if name != v.Node {
				assert.Zero(t, off, name)
			}
		}
		off := offsets[v.Node]
		assert.Equal(t, v.Delta, off)
		assert.GreaterOrEqual(t, abs(off), p.ClockBump/2)
		assert.LessOrEqual(t, abs(off), p.ClockBump)
		if off > 0 {
			forward++
		} else {
			back++
		}
		assertRates(t, c, nil)

		runFor(t, c, 100*time.Millisecond)
		heal()
		assertTrueClocks(t, c)
	}
	assert.Positive(t, forward)
	assert.Positive(t, back)
}

// A strobe sets one clock forward by StrobeDelta and back every
// StrobePeriod until healed, and not once after.
func TestClockStrobe(t *testing.T) {
	cfg := sized(5, 32)
	cfg.Trace = true // to count the jumps
	c, env := newCluster(t, cfg)
	jumpsOf := watchJumps(c)
	runFor(t, c, 100*time.Millisecond)
	p := env.Params
	act, heal := startHeal(t, env, "clock-strobe")
	require.Len(t, act.Nodes, 1)
	node := act.Nodes[0]
	a := addrOf(t, c, node)
	w := c.World
	// Sample mid-period, away from the instants the strobe jumps.
	runFor(t, c, p.StrobePeriod/2)
	for i := 0; i < 10; i++ {
		want := p.StrobeDelta
		if i%2 == 1 {
			want = 0
		}
		assert.Equal(t, want, w.Clock(a).Offset(w.Now()), "period %d", i)
		for name, off := range offsets(c) {
			if name != node {
				assert.Zero(t, off, name)
			}
		}
		runFor(t, c, p.StrobePeriod)
	}
	jumps := jumpsOf[a]
	assert.Equal(t, 11, jumps, "one jump at the start and one every period")
	heal()
	assertTrueClocks(t, c)
	for i := 0; i < 10; i++ {
		runFor(t, c, p.StrobePeriod)
		assert.Zero(t, w.Clock(a).Offset(w.Now()), "the strobe goes on after the heal")
	}
	assert.Equal(t, jumps+1, jumpsOf[a], "only the heal's jump back")
}

// Drift sets a rate of the drawn size, either way, on a minority of the
// nodes, and no other; the heal sets every clock back to true time at a
// true rate, however far the drift carried it.
func TestClockDrift(t *testing.T) {
	p := nemesis.DefaultParams()
	for _, n := range []int{3, 5, 7} {
		sizes := map[int]bool{}
		for i := 0; i < 20; i++ {
			c, _ := newCluster(t, sized(n, 33))
			env := envWith(c, seedName(i))
			act, heal := startHeal(t, env, "clock-drift")
			v := decode[[]struct {
				Node string      `json:"node"`
				PPM  harness.PPM `json:"ppm"`
			}](t, act)
			require.NotEmpty(t, v)
			assert.LessOrEqual(t, len(v), max(1, (n-1)/2), "a minority")
			sizes[len(v)] = true
			want := map[string]harness.PPM{}
			for _, d := range v {
				want[d.Node] = d.PPM
				assert.GreaterOrEqual(t, absPPM(d.PPM), p.DriftPPM/2)
				assert.LessOrEqual(t, absPPM(d.PPM), p.DriftPPM)
			}
			assert.Len(t, act.Nodes, len(v))
			assertRates(t, c, want)

			runFor(t, c, time.Second)
			for _, d := range v {
				assert.NotZero(t, c.World.Clock(addrOf(t, c, d.Node)).Offset(c.World.Now()), "%s drifted", d.Node)
			}
			heal()
			assertTrueClocks(t, c)
			runFor(t, c, time.Second)
			assertTrueClocks(t, c)
		}
		assert.Len(t, sizes, max(1, (n-1)/2), "n=%d: every minority size is drawn", n)
	}
}

// Clock faults never share a clock: a second bump takes another node, and
// healing one leaves the other in force.
func TestClockFaultsTakeDistinctClocks(t *testing.T) {
	c, env := newCluster(t, sized(3, 34))
	first, healFirst := startHeal(t, env, "clock-bump")
	second, healSecond := startHeal(t, env, "clock-strobe")
	third, healThird := startHeal(t, env, "clock-drift")
	assert.NotEqual(t, first.Nodes, second.Nodes)
	assert.NotContains(t, third.Nodes, first.Nodes[0])
	assert.NotContains(t, third.Nodes, second.Nodes[0])
	_, _, err := lookup(t, "clock-bump").Start(env)
	assert.ErrorIs(t, err, nemesis.ErrNothingToBreak, "every clock is taken")

	healFirst()
	w := c.World
	assert.Zero(t, w.Clock(addrOf(t, c, first.Nodes[0])).Offset(w.Now()))
	assert.NotZero(t, w.Clock(addrOf(t, c, second.Nodes[0])).Offset(w.Now()), "the strobe is still in force")
	assert.NotZero(t, w.Clock(addrOf(t, c, third.Nodes[0])).Rate(), "the drift is still in force")
	healSecond()
	healThird()
	assertTrueClocks(t, c)
}

func offsets(c *cluster.Cluster) map[string]time.Duration {
	out := map[string]time.Duration{}
	for _, a := range c.Peers.Addrs {
		out[c.World.Name(a)] = c.World.Clock(a).Offset(c.World.Now())
	}
	return out
}

// assertRates checks every node's clock rate: want's, 0 for the others.
func assertRates(t *testing.T, c *cluster.Cluster, want map[string]harness.PPM) {
	t.Helper()
	for _, a := range c.Peers.Addrs {
		assert.Equal(t, want[c.World.Name(a)], c.World.Clock(a).Rate(), c.World.Name(a))
	}
}

func assertTrueClocks(t *testing.T, c *cluster.Cluster) {
	t.Helper()
	for name, off := range offsets(c) {
		assert.Zero(t, off, "%s offset", name)
	}
	assertRates(t, c, nil)
}

// watchJumps counts every node's clock jumps in the trace from now on.
func watchJumps(c *cluster.Cluster) map[harness.Addr]int {
	jumps := map[harness.Addr]int{}
	c.World.Trace().Watch(func(r harness.TraceRecord) {
		if r.Kind == harness.TraceClockJump {
			jumps[r.From]++
		}
	})
	return jumps
}

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func absPPM(p harness.PPM) harness.PPM {
	if p < 0 {
		return -p
	}
	return p
}
