package nemesis

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Config says which faults a run injects, how often and how hard.
type Config struct {
	// Kinds are the fault kinds in use; empty means none.
	Kinds []string `json:"kinds"`
	// Interval is the mean time between the starts of two faults, and the
	// mean time a fault lasts before it is healed.
	Interval time.Duration `json:"interval"`
	// MaxActive bounds how many faults are in force at once (faults of
	// different kinds combine); 0 means 1.
	MaxActive int `json:"max_active"`
	// Params are the faults' intensities.
	Params Params `json:"params"`
}

// Validate reports a configuration that cannot run: an unknown kind, a
// negative interval, or intensities out of range. A configuration read back
// from a results.json may have been edited by hand.
func (c Config) Validate() error {
	for _, k := range c.Kinds {
		if _, ok := Lookup(k); !ok {
			return fmt.Errorf("nemesis: unknown kind %q", k)
		}
	}
	if c.Interval < 0 || c.MaxActive < 0 {
		return fmt.Errorf("nemesis: interval and max active must not be negative, got %v and %d", c.Interval, c.MaxActive)
	}
	return c.Params.Validate()
}

// Parse reads a --nemesis value: "none", "all", or a comma list of kinds.
func Parse(spec string) ([]string, error) {
	spec = strings.TrimSpace(spec)
	switch spec {
	case "", "none":
		return nil, nil
	case "all":
		return Kinds(), nil
	}
	var out []string
	seen := map[string]bool{}
	for _, k := range strings.Split(spec, ",") {
		k = strings.TrimSpace(k)
		if _, ok := Lookup(k); !ok {
			return nil, fmt.Errorf("unknown nemesis %q (want none, all, swarm, or a comma list of %s)", k, strings.Join(Kinds(), ", "))
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out, nil
}

// Log records a nemesis action in the run's history (process nemesis).
type Log func(f string, value any)

// Interval is a fault's span in virtual time, for reports; End is zero
// while the fault lasts.
type Interval struct {
	Kind        string        `json:"kind"`
	Group       string        `json:"group"`
	Start       time.Duration `json:"start"`
	End         time.Duration `json:"end"`
	Description string        `json:"description"`
	Nodes       []string      `json:"nodes,omitempty"`
}

// Nemesis injects a run's faults, drawing every choice from the run's
// "nemesis" random stream.
type Nemesis struct {
	env       *Env
	cfg       Config
	log       Log
	stopped   bool
	intervals []Interval
	active    []activeFault
	// unsupported are the kinds the target said it cannot perform, in the
	// order it said so; they are never drawn again.
	unsupported []Unsupported
}

// Unsupported is a kind the schedule skipped because the target cannot
// perform it.
type Unsupported struct {
	Kind   string        `json:"kind"`
	At     time.Duration `json:"at"`
	Reason string        `json:"reason"`
}

type activeFault struct {
	kind     string
	interval int // index into intervals
	heal     func()
}

// Start schedules faults from now until the given virtual time. About
// every Interval (a stagger of ±50%), if fewer than MaxActive faults are in
// force, a kind not already in force is drawn and started; each fault is
// healed after a duration drawn from [Interval/2, 3*Interval/2].
//
// Every choice is drawn from the target's random stream (Target.Random);
// log records each action in the run's history.
func Start(t Target, cfg Config, log Log, until time.Duration) *Nemesis {
	n := &Nemesis{env: NewEnv(t, cfg.Params), cfg: cfg, log: log}
	n.env.Log = log
	if len(cfg.Kinds) == 0 || cfg.Interval <= 0 {
		return n
	}
	var tick func()
	tick = func() {
		if n.stopped || t.Now() >= until {
			return
		}
		n.maybeStart()
		t.After(n.stagger(), tick)
	}
	t.After(n.stagger(), tick)
	return n
}

// stagger draws a delay in [Interval/2, 3*Interval/2].
func (n *Nemesis) stagger() time.Duration {
	iv := int64(n.cfg.Interval)
	return time.Duration(n.env.Rand.Between(iv/2, iv+iv/2))
}

func (n *Nemesis) maxActive() int { return max(1, n.cfg.MaxActive) }

func (n *Nemesis) maybeStart() {
	if len(n.active) >= n.maxActive() {
		return
	}
	var choices []string
	for _, k := range n.cfg.Kinds {
		if !n.isActive(k) && !n.groupExcludes(k) && !n.isUnsupported(k) {
			choices = append(choices, k)
		}
	}
	if len(choices) == 0 {
		return
	}
	name := choices[n.env.Rand.Below(uint64(len(choices)))]
	kind, _ := Lookup(name)
	act, heal, err := kind.Start(n.env)
	t := n.env.Target
	switch {
	case errors.Is(err, ErrUnsupported):
		n.unsupported = append(n.unsupported, Unsupported{Kind: name, At: t.Now(), Reason: err.Error()})
		t.Note("nemesis %s: skipped for the rest of the run: %v", name, err)
		return
	case err != nil:
		return
	}
	idx := len(n.intervals)
	n.intervals = append(n.intervals, Interval{Kind: name, Group: kind.Group, Start: t.Now(), Description: act.Description, Nodes: act.Nodes})
	n.active = append(n.active, activeFault{kind: name, interval: idx, heal: heal})
	n.log(name, act.Value)
	t.Note("nemesis %s: %s", name, act.Description)
	t.After(n.stagger(), func() { n.healKind(name) })
}

func (n *Nemesis) isUnsupported(kind string) bool {
	for _, u := range n.unsupported {
		if u.Kind == kind {
			return true
		}
	}
	return false
}

// Unsupported are the kinds skipped because the target cannot perform
// them, each with when and why.
func (n *Nemesis) Unsupported() []Unsupported { return n.unsupported }

func (n *Nemesis) isActive(kind string) bool {
	for _, a := range n.active {
		if a.kind == kind {
			return true
		}
	}
	return false
}

// groupExcludes reports whether a kind must wait because a fault of its
// group is in force and the two cannot combine: a partition's heal restores
// every link, so two partitions at once would heal each other, and a
// directed scenario cuts links and crashes nodes of its own choosing, so
// it runs alone among partitions and scenarios.
func (n *Nemesis) groupExcludes(kind string) bool {
	k, _ := Lookup(kind)
	if !exclusive(k.Group) {
		return false
	}
	for _, a := range n.active {
		if other, _ := Lookup(a.kind); exclusive(other.Group) {
			return true
		}
	}
	return false
}

func exclusive(group string) bool { return group == "partition" || group == "scenario" }

// healKind heals the fault of a kind if it is in force.
func (n *Nemesis) healKind(kind string) {
	for i, a := range n.active {
		if a.kind != kind {
			continue
		}
		n.active = append(n.active[:i], n.active[i+1:]...)
		if a.heal != nil {
			a.heal()
		}
		n.intervals[a.interval].End = n.env.Target.Now()
		n.log("heal", kind)
		n.env.Target.Note("nemesis heal %s", kind)
		return
	}
}

// Intervals are the faults injected so far.
func (n *Nemesis) Intervals() []Interval { return n.intervals }

// Stop ends the schedule and heals every fault in force, newest first.
func (n *Nemesis) Stop() {
	n.stopped = true
	for len(n.active) > 0 {
		n.healKind(n.active[len(n.active)-1].kind)
	}
}
