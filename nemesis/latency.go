package nemesis

import (
	"fmt"
	"time"
)

// Latency names a distribution of delays for a target to draw from: a
// delay spike on the network, a slow fsync. It is only a description; the
// target validates it and draws from it, and refuses one it cannot use.
// Its JSON form is the simulated world's (harness.Latency), so that a run's
// configuration reads the same wherever it is written.
type Latency struct {
	// Kind is "constant" (always Min), "uniform" (over [Min, Max]) or
	// "exponential" (Min plus an exponential tail of mean Mean, capped at
	// Max when Max is set).
	Kind string        `json:"kind"`
	Min  time.Duration `json:"min"`
	Max  time.Duration `json:"max,omitempty"`
	Mean time.Duration `json:"mean,omitempty"`
}

// Uniform is a delay drawn uniformly from [lo, hi].
func Uniform(lo, hi time.Duration) Latency { return Latency{Kind: "uniform", Min: lo, Max: hi} }

// Exponential is min plus an exponential tail of the given mean, capped at
// max (no cap when max is zero).
func Exponential(min, mean, max time.Duration) Latency {
	return Latency{Kind: "exponential", Min: min, Mean: mean, Max: max}
}

// IsZero reports the zero Latency, which a fault never injects.
func (l Latency) IsZero() bool { return l == Latency{} }

// String renders the distribution as the simulated world's traces do
// ("uniform:5ms-50ms"), since a fault's description names it.
func (l Latency) String() string {
	switch {
	case l.Kind == "uniform":
		return fmt.Sprintf("uniform:%v-%v", l.Min, l.Max)
	case l.Kind == "exponential" && l.Max != 0:
		return fmt.Sprintf("exponential:%v+%v<%v", l.Min, l.Mean, l.Max)
	case l.Kind == "exponential":
		return fmt.Sprintf("exponential:%v+%v", l.Min, l.Mean)
	}
	return fmt.Sprintf("constant:%v", l.Min)
}
