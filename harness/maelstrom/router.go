package maelstrom

import (
	"fmt"
	"time"

	"raftcheck/harness"
	"raftcheck/nemesis"
)

// RouterCounters count what the router did with node-to-node messages.
type RouterCounters struct {
	Routed     int `json:"routed"`
	Dropped    int `json:"dropped"`
	Cut        int `json:"cut"`
	Duplicated int `json:"duplicated"`
	Lost       int `json:"lost_to_down_nodes"`
}

// router carries node-to-node messages with our network model, in wall
// time: a latency drawn for each, loss and duplication while packet faults
// are in force, and one-way cuts.
type router struct {
	r        *runner
	rand     *harness.Stream
	cuts     map[[2]string]bool
	faults   nemesis.LinkFaults
	counters RouterCounters
}

func newRouter(r *runner, rand *harness.Stream) *router {
	return &router{r: r, rand: rand, cuts: map[[2]string]bool{}}
}

func (rt *router) setCut(from, to string, cut bool) error {
	if !rt.r.isNode(from) || !rt.r.isNode(to) {
		return fmt.Errorf("maelstrom: no link %s->%s", from, to)
	}
	if cut {
		rt.cuts[[2]string{from, to}] = true
	} else {
		delete(rt.cuts, [2]string{from, to})
	}
	return nil
}

func (rt *router) heal() {
	clear(rt.cuts)
	rt.faults = nemesis.LinkFaults{}
}

// route sends a node's message on towards another node.
func (rt *router) route(m Message, _ Body, line []byte) {
	r := rt.r
	rt.counters.Routed++
	switch {
	case rt.cuts[[2]string{m.Src, m.Dest}]:
		rt.counters.Cut++
		r.traceLine("cut", line)
		return
	case rt.faults.Loss > 0 && rt.chance(rt.faults.Loss):
		rt.counters.Dropped++
		r.traceLine("drop", line)
		return
	}
	copies := 1
	if rt.faults.Duplicate > 0 && rt.chance(rt.faults.Duplicate) {
		copies = 2
		rt.counters.Duplicated++
	}
	r.traceLine("send", line)
	out := append(append([]byte(nil), line...), '\n')
	for range copies {
		r.After(rt.latency(), func() {
			if r.ended {
				return
			}
			if !r.deliver(m.Dest, out) {
				rt.counters.Lost++
				r.traceLine("lost", line)
				return
			}
			r.traceLine("deliver", line)
		})
	}
}

// latency draws a message's delay: the faults' while they set one (with
// reordering, a delay up to five times as long now and then), else the
// configured range.
func (rt *router) latency() time.Duration {
	lo, hi := rt.r.cfg.LatencyMin, rt.r.cfg.LatencyMax
	d := lo + time.Duration(rt.rand.Below(uint64(hi-lo)+1))
	if !rt.faults.Delay.IsZero() {
		d = harness.Latency{Kind: harness.LatencyKind(rt.faults.Delay.Kind), Min: rt.faults.Delay.Min, Max: rt.faults.Delay.Max, Mean: rt.faults.Delay.Mean}.Draw(rt.rand)
	}
	if rt.faults.Reorder > 0 && rt.chance(rt.faults.Reorder) {
		d += time.Duration(rt.rand.Below(uint64(4*hi) + 1))
	}
	return d
}

func (rt *router) chance(p float64) bool {
	return rt.rand.Below(1_000_000) < uint64(p*1_000_000)
}
