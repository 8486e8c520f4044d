package nemesis

import (
	"fmt"
	"strings"
	"time"
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
// A target without clocks answers with its error.
func trueClocks(env *Env) ([]node, error) {
	var out []node
	for _, n := range allNodes(env) {
		off, rate, err := env.Target.Clock(env.name(n))
		if err != nil {
			return nil, err
		}
		if off == 0 && rate == 0 {
			out = append(out, n)
		}
	}
	return out, nil
}

// trueRates are the nodes whose clocks run at the true rate, whatever
// their offset.
func trueRates(env *Env) ([]node, error) {
	var out []node
	for _, n := range allNodes(env) {
		_, rate, err := env.Target.Clock(env.name(n))
		if err != nil {
			return nil, err
		}
		if rate == 0 {
			out = append(out, n)
		}
	}
	return out, nil
}

// resetRates returns a heal that puts the clocks back to a true rate and
// leaves their offsets.
func resetRates(env *Env, nodes []node) func() {
	return func() {
		for _, n := range nodes {
			_ = env.Target.SetClockRate(env.name(n), 0)
		}
	}
}

// resetClocks returns a heal that sets the clocks back to true time and a
// true rate.
func resetClocks(env *Env, nodes []node) func() {
	return func() {
		for _, n := range nodes {
			// The clocks were set through the target, and rate 0 is valid,
			// so neither call can fail.
			name := env.name(n)
			_ = env.Target.SetClockRate(name, 0)
			if off, _, _ := env.Target.Clock(name); off != 0 {
				_ = env.Target.JumpClock(name, -off)
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
func startClockBump(env *Env) (Action, func(), error) {
	limit := env.Params.ClockBump
	free, err := trueClocks(env)
	if err != nil {
		return Action{}, nil, err
	}
	nodes := pickNodes(env, free, 1)
	if limit <= 0 || len(nodes) == 0 {
		return Action{}, nil, ErrNothingToBreak
	}
	a := env.name(nodes[0])
	delta := time.Duration(drawMagnitude(env, int64(limit)))
	if err := env.Target.JumpClock(a, delta); err != nil {
		return Action{}, nil, err
	}
	return Action{
		Description: fmt.Sprintf("bumped the clock of %s by %v", a, delta),
		Value:       clockValue{Node: a, Delta: delta},
		Nodes:       []string{a},
	}, resetClocks(env, nodes), nil
}

// startClockStrobe jumps one random node's clock forward by StrobeDelta
// now, back by as much StrobePeriod later, forward again after another,
// and so on until healed: a clock whose readings keep going backwards.
func startClockStrobe(env *Env) (Action, func(), error) {
	delta, period := env.Params.StrobeDelta, env.Params.StrobePeriod
	free, err := trueClocks(env)
	if err != nil {
		return Action{}, nil, err
	}
	nodes := pickNodes(env, free, 1)
	// A zero period would reschedule itself forever at one instant.
	if delta <= 0 || period <= 0 || len(nodes) == 0 {
		return Action{}, nil, ErrNothingToBreak
	}
	t, a := env.Target, env.name(nodes[0])
	// The target cannot cancel a scheduled call, so the strobe checks a
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
		_ = t.JumpClock(a, d)
		t.After(period, strobe)
	}
	if err := t.JumpClock(a, delta); err != nil {
		return Action{}, nil, err
	}
	t.After(period, strobe)
	reset := resetClocks(env, nodes)
	return Action{
		Description: fmt.Sprintf("strobing the clock of %s by %v every %v", a, delta, period),
		Value:       clockValue{Node: a, Delta: delta, Period: period},
		Nodes:       []string{a},
	}, func() { stopped = true; reset() }, nil
}

// driftValue is one clock's rate in the history value of a drift.
type driftValue struct {
	Node string `json:"node"`
	PPM  PPM    `json:"ppm"`
}

// startClockDrift makes a random minority of the nodes (of a random size,
// at least one) run fast or slow by DriftPPM/2 to DriftPPM each.
func startClockDrift(env *Env) (Action, func(), error) {
	limit := min(env.Params.DriftPPM, MaxDriftPPM)
	n := len(allNodes(env))
	if limit <= 0 || n == 0 {
		return Action{}, nil, ErrNothingToBreak
	}
	count := int(env.Rand.Between(1, int64(minority(n))))
	free, err := trueClocks(env)
	if env.Params.DriftKeepsOffset {
		free, err = trueRates(env)
	}
	if err != nil {
		return Action{}, nil, err
	}
	nodes := pickNodes(env, free, count)
	if len(nodes) == 0 {
		return Action{}, nil, ErrNothingToBreak
	}
	var rates []driftValue
	var desc []string
	for i, n := range nodes {
		rate := PPM(drawMagnitude(env, int64(limit)))
		if err := env.Target.SetClockRate(env.name(n), rate); err != nil {
			resetClocks(env, nodes[:i])()
			return Action{}, nil, err
		}
		rates = append(rates, driftValue{Node: env.name(n), PPM: rate})
		desc = append(desc, fmt.Sprintf("%s %+d ppm", env.name(n), rate))
	}
	heal := resetClocks(env, nodes)
	if env.Params.DriftKeepsOffset {
		heal = resetRates(env, nodes)
	}
	return Action{
		Description: "clock drift " + strings.Join(desc, ", "),
		Value:       rates,
		Nodes:       nodeNames(env, nodes),
	}, heal, nil
}
