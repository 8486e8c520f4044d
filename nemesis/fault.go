package nemesis

import (
	"fmt"
	"time"
)

// Env is what a fault acts on and with: the target, the random stream its
// choices are drawn from, and the run's parameters for faults of this
// kind. The zero value of the rest is ready to use.
type Env struct {
	Target Target
	Rand   Rand
	Params Params

	// links and disk are the packet and disk faults in force, as last set
	// on the target: each fault owns one field and heals only that field,
	// so faults in force together heal independently, in any order.
	links LinkFaults
	disk  DiskFaults
	// Log records the steps of a fault that acts more than once (the
	// directed scenarios) in the run's history; nil records nothing.
	Log Log
	// repairing are the nodes whose disks are being replaced
	// (disk_replace.go): one repair at a time per node.
	repairing map[string]bool
}

// NewEnv is the environment of faults on a target, drawing from the
// target's own random stream.
func NewEnv(t Target, p Params) *Env { return &Env{Target: t, Rand: t.Random(), Params: p} }

// step records one step of a fault in the history and the trace.
func (e *Env) step(kind, what string, nodes []string) {
	if e.Log != nil {
		e.Log("scenario", scenarioStep{Kind: kind, Step: what, Nodes: nodes})
	}
	e.Target.Note("nemesis %s: %s %v", kind, what, nodes)
}

// scenarioStep is the history value of one step of a directed scenario.
type scenarioStep struct {
	Kind  string   `json:"kind"`
	Step  string   `json:"step"`
	Nodes []string `json:"nodes"`
}

// Kind is one kind of fault, as --nemesis names it.
type Kind struct {
	Name string
	// Group is the family the kind belongs to (partition, kill, pause,
	// clock, packet, disk), for swarm mode and reports.
	Group string
	// Start breaks something now. It returns what it did, for the history
	// and the report (Value is recorded as the nemesis event's value), and
	// heal, which undoes it; heal is called once, when the schedule heals
	// the fault or the run ends. On an error nothing is in force: a fault
	// that finds nothing to do (no leader to isolate, say) returns
	// ErrNothingToBreak, and one the target cannot perform an error
	// wrapping ErrUnsupported.
	Start func(env *Env) (done Action, heal func(), err error)
}

// Action describes what a fault did.
type Action struct {
	// Description is one human line ("isolated n3 (the leader)").
	Description string
	// Value is the nemesis event's value in the history: the nodes or
	// links affected, the clock offset, the loss rate...
	Value any
	// Nodes are the names of the nodes affected, for the report.
	Nodes []string
}

// Params are how hard faults hit. Fixed defaults serve --nemesis runs;
// swarm mode draws them per seed.
type Params struct {
	// Packet faults: while on, the network drops, duplicates and reorders
	// messages with these probabilities, and a delay spike adds this
	// latency.
	Loss       float64 `json:"loss"`
	Duplicate  float64 `json:"duplicate"`
	Reorder    float64 `json:"reorder"`
	DelaySpike Latency `json:"delay_spike"`
	// Clock faults: a bump jumps a clock by up to ClockBump either way; a
	// strobe jumps it back and forth by StrobeDelta every StrobePeriod;
	// drift runs a clock up to DriftPPM fast or slow.
	ClockBump    time.Duration `json:"clock_bump"`
	StrobeDelta  time.Duration `json:"strobe_delta"`
	StrobePeriod time.Duration `json:"strobe_period"`
	DriftPPM     PPM           `json:"drift_ppm"`
	// DriftKeepsOffset heals a drift by restoring the true rate only: the
	// offset it built up stays, as a slewing clock would leave it, and no
	// clock is ever set. A clock that is set breaks the drift bound lease
	// reads rely on, and every lease anomaly after it is excused.
	DriftKeepsOffset bool `json:"drift_keeps_offset,omitempty"`
	// SlowFsync is the fsync latency while the disk fault is on.
	SlowFsync Latency `json:"slow_fsync"`
}

// Validate reports intensities out of range. The latencies are
// descriptions for the target to draw from, and the target judges them
// (a run's configuration checks them against the simulated world's rules).
func (p Params) Validate() error {
	for name, v := range map[string]float64{"loss": p.Loss, "duplicate": p.Duplicate, "reorder": p.Reorder} {
		if !(v >= 0 && v <= 1) {
			return fmt.Errorf("nemesis: %s must be a probability in [0, 1], got %v", name, v)
		}
	}
	if p.ClockBump < 0 || p.StrobeDelta < 0 || p.StrobePeriod < 0 {
		return fmt.Errorf("nemesis: clock amounts must not be negative")
	}
	if p.DriftPPM < 0 || p.DriftPPM > MaxDriftPPM {
		return fmt.Errorf("nemesis: drift must be in [0, %d] ppm, got %d", MaxDriftPPM, p.DriftPPM)
	}
	return nil
}

// DefaultParams are the intensities of faults outside swarm mode.
func DefaultParams() Params {
	return Params{
		Loss:         0.2,
		Duplicate:    0.2,
		Reorder:      0.3,
		DelaySpike:   Exponential(50*time.Millisecond, 100*time.Millisecond, 2*time.Second),
		ClockBump:    2 * time.Second,
		StrobeDelta:  500 * time.Millisecond,
		StrobePeriod: 20 * time.Millisecond,
		DriftPPM:     100_000,
		// Slow, not stalled: a node sends nothing while an fsync is
		// outstanding (its messages wait for what they promise to be
		// durable), so an fsync as long as the election timeout costs the
		// leader its office; that outage is left to swarm mode's draws.
		SlowFsync: Uniform(5*time.Millisecond, 50*time.Millisecond),
	}
}
