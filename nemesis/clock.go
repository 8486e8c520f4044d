package nemesis

import (
	"fmt"
	"strings"
	"time"

	"raftcheck/harness"
)

// clockKinds disturb nodes' local clocks: a bump sets one clock, a strobe
// sets one back and forth, drift makes a few run fast or slow. Raft's
// safety must not depend on clocks; its leases and timeouts may suffer.
// Each heals by setting the clocks it took back to true time at a true
// rate.
var clockKinds = []Kind{
	{Name: "clock-bump", Group: "clock", Start: startClockBump},
	{Name: "clock-strobe", Group: "clock", Start: startClockStrobe},
	{Name: "clock-drift", Group: "clock", Start: startClockDrift},
}

// trueClocks are the nodes whose clocks read true time at a true rate.
// Clock faults take only these, so that two clock faults in force at once
// never share a clock and healing one does not undo the other.
func trueClocks(env *Env) []harness.Addr {
	w := env.World()
	var out []harness.Addr
	for _, a := range nodeAddrs(env) {
		if c := w.Clock(a); c.Offset(w.Now()) == 0 && c.Rate() == 0 {
			out = append(out, a)
		}
	}
	return out
}

// resetClocks returns a heal that sets the clocks back to true time and a
// true rate.
func resetClocks(w *harness.World, nodes []harness.Addr) func() {
	return func() {
		for _, a := range nodes {
			// The addresses are the cluster's own and rate 0 is valid, so
			// neither call can fail.
			_ = w.SetClockRate(a, 0)
			if off := w.Clock(a).Offset(w.Now()); off != 0 {
				_ = w.JumpClock(a, -off)
			}
		}
	}
}

// drawMagnitude draws a signed amount whose size is in [limit/2, limit]
// (and never zero): large enough to matter, either way.
func drawMagnitude(env *Env, limit int64) int64 {
	m := env.Rand.Between(max(1, limit/2), limit)
	if env.Rand.Below(2) == 0 {
		return -m
	}
	return m
}

// clockValue is the history value of a bump or a strobe.
type clockValue struct {
	Node   string        `json:"node"`
	Delta  time.Duration `json:"delta"`
	Period time.Duration `json:"period,omitempty"`
}

// startClockBump jumps one random node's clock by ClockBump/2 to
// ClockBump, forward or back.
func startClockBump(env *Env) (Action, func(), bool) {
	limit := env.Params.ClockBump
	nodes := pickNodes(env, trueClocks(env), 1)
	if limit <= 0 || len(nodes) == 0 {
		return Action{}, nil, false
	}
	w, a := env.World(), nodes[0]
	delta := time.Duration(drawMagnitude(env, int64(limit)))
	_ = w.JumpClock(a, delta)
	return Action{
		Description: fmt.Sprintf("bumped the clock of %s by %v", w.Name(a), delta),
		Value:       clockValue{Node: w.Name(a), Delta: delta},
		Nodes:       []string{w.Name(a)},
	}, resetClocks(w, nodes), true
}

// startClockStrobe jumps one random node's clock forward by StrobeDelta
// now, back by as much StrobePeriod later, forward again after another,
// and so on until healed: a clock whose readings keep going backwards.
func startClockStrobe(env *Env) (Action, func(), bool) {
	delta, period := env.Params.StrobeDelta, env.Params.StrobePeriod
	nodes := pickNodes(env, trueClocks(env), 1)
	// A zero period would reschedule itself forever at one instant.
	if delta <= 0 || period <= 0 || len(nodes) == 0 {
		return Action{}, nil, false
	}
	w, a := env.World(), nodes[0]
	// The world cannot cancel a scheduled call, so the strobe checks a
	// flag the heal sets; each strobe has its own, so a new strobe after
	// this one healed is not stopped by it.
	stopped := false
	forward := false // the direction of the next jump
	var strobe func()
	strobe = func() {
		if stopped {
			return
		}
		d := delta
		if !forward {
			d = -delta
		}
		forward = !forward
		_ = w.JumpClock(a, d)
		w.After(period, strobe)
	}
	_ = w.JumpClock(a, delta)
	w.After(period, strobe)
	reset := resetClocks(w, nodes)
	return Action{
		Description: fmt.Sprintf("strobing the clock of %s by %v every %v", w.Name(a), delta, period),
		Value:       clockValue{Node: w.Name(a), Delta: delta, Period: period},
		Nodes:       []string{w.Name(a)},
	}, func() { stopped = true; reset() }, true
}

// driftValue is one clock's rate in the history value of a drift.
type driftValue struct {
	Node string      `json:"node"`
	PPM  harness.PPM `json:"ppm"`
}

// startClockDrift makes a random minority of the nodes (of a random size,
// at least one) run fast or slow by DriftPPM/2 to DriftPPM each.
func startClockDrift(env *Env) (Action, func(), bool) {
	// A clock may not run slower than MinPPM: it would stop its timers.
	limit := min(env.Params.DriftPPM, -harness.MinPPM)
	n := len(nodeAddrs(env))
	if limit <= 0 || n == 0 {
		return Action{}, nil, false
	}
	count := int(env.Rand.Between(1, int64(minority(n))))
	nodes := pickNodes(env, trueClocks(env), count)
	if len(nodes) == 0 {
		return Action{}, nil, false
	}
	w := env.World()
	var rates []driftValue
	var desc []string
	for _, a := range nodes {
		rate := harness.PPM(drawMagnitude(env, int64(limit)))
		_ = w.SetClockRate(a, rate)
		rates = append(rates, driftValue{Node: w.Name(a), PPM: rate})
		desc = append(desc, fmt.Sprintf("%s %+d ppm", w.Name(a), rate))
	}
	return Action{
		Description: "clock drift " + strings.Join(desc, ", "),
		Value:       rates,
		Nodes:       nodeNames(w, nodes),
	}, resetClocks(w, nodes), true
}
