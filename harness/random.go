package harness

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"strconv"
)

// Seeds splits one run seed into independent, named random streams.
//
// Each stream's state is derived from the run seed and the stream's name
// alone, so drawing more numbers from one stream (say, the network's) never
// shifts what another stream (a node's election timeouts) draws. This is what
// lets a change to one part of a test leave the rest of the run recognisable,
// and what lets a shrinker remove a fault without reshuffling every timeout.
type Seeds struct {
	seed uint64
}

// NewSeeds returns the stream factory for a run seed.
func NewSeeds(seed uint64) Seeds { return Seeds{seed: seed} }

// Seed is the run seed the streams are derived from.
func (s Seeds) Seed() uint64 { return s.seed }

// Stream returns the stream with the given name. Asking twice for the same
// name gives two streams that draw the same numbers.
func (s Seeds) Stream(name string) *Stream {
	h := fnv64(name)
	// Two differently mixed words so that neither the seed nor the name alone
	// decides a PCG state; splitmix64 is a bijection, so distinct inputs stay
	// distinct.
	hi := splitmix64(s.seed ^ h)
	lo := splitmix64(h + 0x9e3779b97f4a7c15*(s.seed|1))
	pcg := rand.NewPCG(hi, lo)
	return &Stream{name: name, pcg: pcg, rand: rand.New(pcg)}
}

// Stream is one named source of deterministic randomness. The methods on it
// are written here, on top of PCG's Uint64, so that what a seed draws does
// not depend on how a Go release implements math/rand's helpers.
type Stream struct {
	name string
	pcg  *rand.PCG
	rand *rand.Rand
}

// Name is the stream's name.
func (s *Stream) Name() string { return s.name }

// Uint64 draws 64 uniform bits.
func (s *Stream) Uint64() uint64 { return s.pcg.Uint64() }

// Below draws uniformly from [0, n); n must be positive. It uses the
// multiply-high method; the bias for n far below 2^64 is immeasurable, and
// it costs one draw, so the number of draws per call never varies.
func (s *Stream) Below(n uint64) uint64 {
	if n == 0 {
		panic("harness: Stream.Below(0)")
	}
	hi, _ := bits.Mul64(s.pcg.Uint64(), n)
	return hi
}

// Between draws uniformly from [lo, hi]; it returns lo when hi <= lo.
func (s *Stream) Between(lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	return lo + int64(s.Below(uint64(hi-lo)+1))
}

// Perm draws a random permutation of 0..n-1, through the stream's
// *rand.Rand (so it shares the stream's one sequence).
func (s *Stream) Perm(n int) []int { return s.rand.Perm(n) }

// Chance reports true with probability p, given as a Probability.
func (s *Stream) Chance(p Probability) bool {
	switch p.threshold {
	case 0:
		return false
	case ^uint64(0):
		// Always true; still draw, so the number of draws does not depend
		// on the probability's value.
		s.pcg.Uint64()
		return true
	}
	return s.pcg.Uint64() < p.threshold
}

// Rand returns a *rand.Rand that draws from this stream, for code outside
// the harness (the Raft core's election timeouts) that takes a *rand.Rand.
// Draws through it and through the stream's own methods share one sequence.
func (s *Stream) Rand() *rand.Rand { return s.rand }

// Probability is a probability in [0, 1] kept as an integer threshold, so
// that a draw compares integers and no floating-point result reaches a
// decision on the simulated path.
type Probability struct {
	threshold uint64
	p         float64 // as given, so that a configuration round-trips exactly
}

// Prob converts p (clamped to [0, 1]) to a Probability. The conversion is
// the only floating-point step, done once when a configuration is built.
func Prob(p float64) Probability {
	switch {
	case !(p > 0): // also catches NaN
		return Probability{}
	case p >= 1:
		return Probability{threshold: ^uint64(0), p: 1}
	}
	return Probability{threshold: uint64(p * (1 << 63) * 2), p: p}
}

// Float is the probability as given to Prob (clamped), for display and
// configuration files: Prob(p.Float()) == p.
func (p Probability) Float() float64 { return p.p }

// MarshalJSON writes the probability as a number.
func (p Probability) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, p.p, 'g', -1, 64), nil
}

// UnmarshalJSON reads a number in [0, 1].
func (p *Probability) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || f < 0 || f > 1 {
		return fmt.Errorf("probability must be a number in [0, 1], got %s", b)
	}
	*p = Prob(f)
	return nil
}

// IsZero reports whether the event can never happen.
func (p Probability) IsZero() bool { return p.threshold == 0 }

func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
