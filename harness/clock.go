package harness

import (
	"fmt"
	"math/bits"
	"time"
)

// PPM is a clock rate error in parts per million: +1000 runs 0.1% fast,
// -1000 runs 0.1% slow. Rates are integers so that a clock reading is the
// same on every machine.
type PPM int64

// Clock is a node's local clock. It reads
//
//	anchorLocal + (now - anchorReal) * (1e6 + rate) / 1e6
//
// where now is the world's virtual time. An offset models skew, Jump models a
// clock that is set (a bump), and SetRate models drift; a strobe is a series
// of jumps. Readings may go backwards after a negative jump, as a wall clock
// can: code that needs a monotonic clock must not use a jumped one.
//
// Timers set by a node run for a local duration: the real delay is computed
// from the rate at the moment the timer is set, and later rate changes do not
// move a pending timer. Jumps do not move timers either, as a monotonic timer
// would not move when the wall clock is set.
type Clock struct {
	anchorReal  time.Duration
	anchorLocal time.Duration
	rate        PPM
	jumps       int
	jumped      time.Duration // the sum of every jump
}

// Jumps is how many times the clock has been set.
func (c *Clock) Jumps() int { return c.jumps }

// MinPPM is the slowest rate a clock may run at: a clock that stops or runs
// backwards would make local timers never fire.
const MinPPM PPM = -999_000

// Read returns the local clock's reading at virtual time now.
func (c *Clock) Read(now time.Duration) time.Duration {
	return c.anchorLocal + scale(now-c.anchorReal, 1_000_000+int64(c.rate), 1_000_000)
}

// Monotonic is the reading without its jumps: the time the clock's rate
// has run, which is what drives the node's timers (a jump moves none).
func (c *Clock) Monotonic(now time.Duration) time.Duration { return c.Read(now) - c.jumped }

// Rate is the clock's current rate error.
func (c *Clock) Rate() PPM { return c.rate }

// Offset is how far the local reading is ahead of virtual time at now.
func (c *Clock) Offset(now time.Duration) time.Duration { return c.Read(now) - now }

// Jump moves the reading by delta at virtual time now.
func (c *Clock) Jump(now, delta time.Duration) {
	c.jumps++
	c.jumped += delta
	c.anchorLocal = c.Read(now) + delta
	c.anchorReal = now
}

// SetRate changes the rate from virtual time now on; the reading is
// continuous at now.
func (c *Clock) SetRate(now time.Duration, rate PPM) error {
	if rate < MinPPM {
		return fmt.Errorf("clock rate %d ppm is below the minimum %d ppm", rate, MinPPM)
	}
	c.anchorLocal = c.Read(now)
	c.anchorReal = now
	c.rate = rate
	return nil
}

// RealDelay is the virtual time it takes this clock to advance by local,
// rounded up so that a timer never fires before its local deadline.
func (c *Clock) RealDelay(local time.Duration) time.Duration {
	if local <= 0 {
		return 0
	}
	num := int64(1_000_000)
	den := 1_000_000 + int64(c.rate)
	d := scale(local, num, den)
	if scale(d, den, num) < local {
		d++
	}
	return d
}

// scale computes d*num/den for d >= 0 and num, den > 0 without overflow,
// truncating; negative d is scaled symmetrically. A result too large for a
// Duration saturates.
func scale(d time.Duration, num, den int64) time.Duration {
	neg := d < 0
	u := uint64(d)
	if neg {
		u = uint64(-d)
	}
	hi, lo := bits.Mul64(u, uint64(num))
	var q uint64
	if hi >= uint64(den) {
		q = 1<<63 - 1
	} else {
		q, _ = bits.Div64(hi, lo, uint64(den))
		if q > 1<<63-1 {
			q = 1<<63 - 1
		}
	}
	if neg {
		return -time.Duration(q)
	}
	return time.Duration(q)
}
