package harness

import (
	"fmt"
	"math/bits"
	"strings"
	"time"
)

// LatencyKind names a latency distribution.
type LatencyKind string

// The latency distributions a link or a disk can draw from.
const (
	// LatencyConstant is always Min.
	LatencyConstant LatencyKind = "constant"
	// LatencyUniform is uniform over [Min, Max].
	LatencyUniform LatencyKind = "uniform"
	// LatencyExponential is Min plus an exponential tail of mean Mean,
	// capped at Max when Max is set: most draws are near Min, a few are
	// long, as on a real network.
	LatencyExponential LatencyKind = "exponential"
)

// Latency is a distribution of delays. The zero value is a constant zero.
type Latency struct {
	Kind LatencyKind   `json:"kind"`
	Min  time.Duration `json:"min"`
	Max  time.Duration `json:"max,omitempty"`
	Mean time.Duration `json:"mean,omitempty"`
}

// Constant is a fixed delay.
func Constant(d time.Duration) Latency { return Latency{Kind: LatencyConstant, Min: d} }

// Uniform is a delay drawn uniformly from [lo, hi].
func Uniform(lo, hi time.Duration) Latency { return Latency{Kind: LatencyUniform, Min: lo, Max: hi} }

// Exponential is min plus an exponential tail of the given mean, capped at
// max (no cap when max is zero).
func Exponential(min, mean, max time.Duration) Latency {
	return Latency{Kind: LatencyExponential, Min: min, Mean: mean, Max: max}
}

// Validate reports a distribution that cannot be drawn from.
func (l Latency) Validate() error {
	switch l.Kind {
	case "", LatencyConstant:
		if l.Min < 0 {
			return fmt.Errorf("latency: constant delay %v is negative", l.Min)
		}
	case LatencyUniform:
		if l.Min < 0 || l.Max < l.Min {
			return fmt.Errorf("latency: uniform range [%v, %v] is empty or negative", l.Min, l.Max)
		}
	case LatencyExponential:
		if l.Min < 0 || l.Mean <= 0 {
			return fmt.Errorf("latency: exponential needs min >= 0 and mean > 0, got min %v mean %v", l.Min, l.Mean)
		}
		if l.Max != 0 && l.Max < l.Min {
			return fmt.Errorf("latency: exponential cap %v is below its minimum %v", l.Max, l.Min)
		}
	default:
		return fmt.Errorf("latency: unknown kind %q (want constant, uniform or exponential)", l.Kind)
	}
	return nil
}

// Draw draws one delay from the stream. The distribution must be valid.
func (l Latency) Draw(s *Stream) time.Duration {
	switch l.Kind {
	case LatencyUniform:
		return time.Duration(s.Between(int64(l.Min), int64(l.Max)))
	case LatencyExponential:
		d := l.Min + exponentialDraw(s, l.Mean)
		if l.Max != 0 && d > l.Max {
			d = l.Max
		}
		return d
	default:
		return l.Min
	}
}

// String renders the distribution in the form ParseLatency reads.
func (l Latency) String() string {
	switch l.Kind {
	case LatencyUniform:
		return fmt.Sprintf("uniform:%v-%v", l.Min, l.Max)
	case LatencyExponential:
		if l.Max != 0 {
			return fmt.Sprintf("exponential:%v+%v<%v", l.Min, l.Mean, l.Max)
		}
		return fmt.Sprintf("exponential:%v+%v", l.Min, l.Mean)
	default:
		return fmt.Sprintf("constant:%v", l.Min)
	}
}

// ParseLatency reads "constant:D", "uniform:LO-HI", "exponential:MIN+MEAN"
// or "exponential:MIN+MEAN<MAX", with Go durations ("2ms").
func ParseLatency(s string) (Latency, error) {
	kind, spec, ok := strings.Cut(s, ":")
	if !ok {
		return Latency{}, fmt.Errorf("latency %q: want KIND:SPEC, e.g. uniform:1ms-5ms", s)
	}
	var l Latency
	var err error
	switch LatencyKind(kind) {
	case LatencyConstant:
		l.Kind = LatencyConstant
		l.Min, err = time.ParseDuration(spec)
	case LatencyUniform:
		l.Kind = LatencyUniform
		lo, hi, found := strings.Cut(spec, "-")
		if !found {
			return Latency{}, fmt.Errorf("latency %q: uniform wants LO-HI", s)
		}
		if l.Min, err = time.ParseDuration(lo); err == nil {
			l.Max, err = time.ParseDuration(hi)
		}
	case LatencyExponential:
		l.Kind = LatencyExponential
		rest, max, capped := strings.Cut(spec, "<")
		min, mean, found := strings.Cut(rest, "+")
		if !found {
			return Latency{}, fmt.Errorf("latency %q: exponential wants MIN+MEAN or MIN+MEAN<MAX", s)
		}
		if l.Min, err = time.ParseDuration(min); err == nil {
			l.Mean, err = time.ParseDuration(mean)
		}
		if err == nil && capped {
			l.Max, err = time.ParseDuration(max)
		}
	default:
		return Latency{}, fmt.Errorf("latency %q: unknown kind %q (want constant, uniform or exponential)", s, kind)
	}
	if err != nil {
		return Latency{}, fmt.Errorf("latency %q: %w", s, err)
	}
	if err := l.Validate(); err != nil {
		return Latency{}, err
	}
	return l, nil
}

// exponentialDraw draws from the exponential distribution with the given
// mean using von Neumann's comparison method, which needs only integer
// comparisons: take uniforms u1 >= u2 >= ... >= un < u(n+1); if the run
// length n is odd, the result is k + u1, else k grows by one and it starts
// again. The probability that the run from u1 = x has odd length is e^-x,
// and reaching k has probability e^-k, so k + u1 is Exp(1). No logarithm is
// taken, so the draw is the same on every architecture.
func exponentialDraw(s *Stream, mean time.Duration) time.Duration {
	var k uint64
	for {
		first := s.Uint64()
		prev, n := first, 1
		for {
			u := s.Uint64()
			if u > prev {
				break
			}
			prev = u
			n++
		}
		if n%2 == 1 {
			// (k + first/2^64) * mean, in integers.
			frac, _ := bits.Mul64(first, uint64(mean))
			whole := k * uint64(mean)
			if k != 0 && whole/k != uint64(mean) || whole > 1<<62 {
				return 1 << 62 // absurdly long; the caller's cap applies
			}
			return time.Duration(whole + frac)
		}
		k++
	}
}
