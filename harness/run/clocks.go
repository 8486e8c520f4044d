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
	// The bound is on how much faster one clock runs than another, not on
	// how far any runs from true time: the lease counts its margin on the
	// leader's clock against a promise counted on a follower's, so what
	// matters is the ratio of their rates. A difference of rates would let
	// two slow clocks (-46% and -50%: 8% apart in ratio) pass a 5% bound.
	lo, hi := c.world.Clock(c.nodes[0]).Rate(), c.world.Clock(c.nodes[0]).Rate()
	for _, a := range c.nodes {
		clk := c.world.Clock(a)
		if clk.Jumps() > 0 {
			c.exceeded = fmt.Sprintf("the clock of %s was set at %v", c.world.Name(a), now)
			return
		}
		lo, hi = min(lo, clk.Rate()), max(hi, clk.Rate())
	}
	if !withinRatio(lo, hi, c.bound) {
		c.exceeded = fmt.Sprintf("one clock ran %d ppm faster than another at %v (rates %+d and %+d ppm), beyond the bound of %d ppm",
			fasterBy(lo, hi), now, hi, lo, c.bound)
	}
}

// withinRatio reports whether a clock at rate hi runs at most bound ppm
// faster than one at rate lo: (1+hi)/(1+lo) <= 1+bound, in integers.
func withinRatio(lo, hi, bound harness.PPM) bool {
	const million = 1_000_000
	return (million+int64(hi))*million <= (million+int64(lo))*(million+int64(bound))
}

// fasterBy is how many ppm faster a clock at rate hi runs than one at lo.
func fasterBy(lo, hi harness.PPM) int64 {
	const million = 1_000_000
	return ((million+int64(hi))*million)/(million+int64(lo)) - million
}

func (c *clockWatch) result() ClockBound {
	return ClockBound{BoundPPM: c.bound, Exceeded: c.exceeded != "", Reason: c.exceeded}
}
