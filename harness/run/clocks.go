package run

import (
	"fmt"

	"raftcheck/harness"
)

// ClockBound says whether the nodes' clocks stayed within the drift bound
// lease reads are promised under (kv.Config.MaxDrift). Only lease reads
// depend on it; ReadIndex and the Raft core do not.
type ClockBound struct {
	BoundPPM harness.PPM `json:"bound_ppm"`
	Exceeded bool        `json:"exceeded"`
	// Reason says what first broke the bound: a clock that was set (a
	// jump is an unbounded rate for an instant) or two clocks running
	// further apart than the bound.
	Reason string `json:"reason,omitempty"`
}

// clockWatch looks at the nodes' clocks after every nemesis action, the
// only times they change.
type clockWatch struct {
	world    *harness.World
	nodes    []harness.Addr
	bound    harness.PPM
	exceeded string
}

func (c *clockWatch) check() {
	if c.exceeded != "" {
		return
	}
	now := c.world.Now()
	// The bound is on how far apart two clocks run, not on how far any
	// runs from true time: start from the first node's rate.
	lo, hi := c.world.Clock(c.nodes[0]).Rate(), c.world.Clock(c.nodes[0]).Rate()
	for _, a := range c.nodes {
		clk := c.world.Clock(a)
		if clk.Jumps() > 0 {
			c.exceeded = fmt.Sprintf("the clock of %s was set at %v", c.world.Name(a), now)
			return
		}
		lo, hi = min(lo, clk.Rate()), max(hi, clk.Rate())
	}
	if hi-lo > c.bound {
		c.exceeded = fmt.Sprintf("clocks ran %d ppm apart at %v, beyond the bound of %d ppm", hi-lo, now, c.bound)
	}
}

func (c *clockWatch) result() ClockBound {
	return ClockBound{BoundPPM: c.bound, Exceeded: c.exceeded != "", Reason: c.exceeded}
}
