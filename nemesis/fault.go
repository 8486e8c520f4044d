package nemesis

import (
	"fmt"
	"time"

	"raftcheck/harness"
	"raftcheck/harness/cluster"
)

// Env is what a fault acts on and with: the cluster (its world, its nodes,
// its leader), the nemesis's own random stream, and the run's parameters
// for faults of this kind.
type Env struct {
	Cluster *cluster.Cluster
	Rand    *harness.Stream
	Params  Params
}

// World is the cluster's simulated world.
func (e *Env) World() *harness.World { return e.Cluster.World }

// Kind is one kind of fault, as --nemesis names it.
type Kind struct {
	Name string
	// Group is the family the kind belongs to (partition, kill, pause,
	// clock, packet, disk), for swarm mode and reports.
	Group string
	// Start breaks something now. It returns what it did, for the history
	// and the report (Value is recorded as the nemesis event's value), and
	// heal, which undoes it; heal is called once, when the schedule heals
	// the fault or the run ends. A fault that finds nothing to do (no
	// leader to isolate, say) returns ok false and nothing happens.
	Start func(env *Env) (done Action, heal func(), ok bool)
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
	Loss       float64         `json:"loss"`
	Duplicate  float64         `json:"duplicate"`
	Reorder    float64         `json:"reorder"`
	DelaySpike harness.Latency `json:"delay_spike"`
	// Clock faults: a bump jumps a clock by up to ClockBump either way; a
	// strobe jumps it back and forth by StrobeDelta every StrobePeriod;
	// drift runs a clock up to DriftPPM fast or slow.
	ClockBump    time.Duration `json:"clock_bump"`
	StrobeDelta  time.Duration `json:"strobe_delta"`
	StrobePeriod time.Duration `json:"strobe_period"`
	DriftPPM     harness.PPM   `json:"drift_ppm"`
	// SlowFsync is the fsync latency while the disk fault is on.
	SlowFsync harness.Latency `json:"slow_fsync"`
}

// Validate reports intensities out of range.
func (p Params) Validate() error {
	for name, v := range map[string]float64{"loss": p.Loss, "duplicate": p.Duplicate, "reorder": p.Reorder} {
		if !(v >= 0 && v <= 1) {
			return fmt.Errorf("nemesis: %s must be a probability in [0, 1], got %v", name, v)
		}
	}
	if p.ClockBump < 0 || p.StrobeDelta < 0 || p.StrobePeriod < 0 {
		return fmt.Errorf("nemesis: clock amounts must not be negative")
	}
	if p.DriftPPM < 0 || p.DriftPPM > -harness.MinPPM {
		return fmt.Errorf("nemesis: drift must be in [0, %d] ppm, got %d", -harness.MinPPM, p.DriftPPM)
	}
	for name, l := range map[string]harness.Latency{"delay spike": p.DelaySpike, "slow fsync": p.SlowFsync} {
		if l == (harness.Latency{}) {
			continue
		}
		if err := l.Validate(); err != nil {
			return fmt.Errorf("nemesis: %s: %w", name, err)
		}
	}
	return nil
}

// DefaultParams are the intensities of faults outside swarm mode.
func DefaultParams() Params {
	return Params{
		Loss:         0.2,
		Duplicate:    0.2,
		Reorder:      0.3,
		DelaySpike:   harness.Exponential(50*time.Millisecond, 100*time.Millisecond, 2*time.Second),
		ClockBump:    2 * time.Second,
		StrobeDelta:  500 * time.Millisecond,
		StrobePeriod: 20 * time.Millisecond,
		DriftPPM:     100_000,
		// Slow, not stalled: a node sends nothing while an fsync is
		// outstanding (its messages wait for what they promise to be
		// durable), so an fsync as long as the election timeout costs the
		// leader its office; that outage is left to swarm mode's draws.
		SlowFsync: harness.Uniform(5*time.Millisecond, 50*time.Millisecond),
	}
}
