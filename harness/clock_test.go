package harness_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness"
)

func TestASkewedClockRunsAtItsRate(t *testing.T) {
	tests := []struct {
		name  string
		rate  harness.PPM
		after time.Duration // virtual time
		local time.Duration // expected local reading
	}{
		{"exact", 0, time.Second, time.Second},
		{"fast by 10%", 100_000, time.Second, 1100 * time.Millisecond},
		{"slow by 50%", -500_000, time.Second, 500 * time.Millisecond},
		{"fast by 1ppm over an hour", 1, time.Hour, time.Hour + 3600*time.Microsecond},
		{"no overflow over a year", 2_000_000, 365 * 24 * time.Hour, 3 * 365 * 24 * time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c harness.Clock
			require.NoError(t, c.SetRate(0, tc.rate))
			assert.Equal(t, tc.local, c.Read(tc.after))
		})
	}
}

func TestClockJumpsAndRateChangesAreContinuous(t *testing.T) {
	var c harness.Clock
	require.NoError(t, c.SetRate(time.Second, 1_000_000)) // twice as fast from 1s on
	assert.Equal(t, time.Second, c.Read(time.Second))
	assert.Equal(t, 3*time.Second, c.Read(2*time.Second))
	c.Jump(2*time.Second, -5*time.Second)
	assert.Equal(t, -2*time.Second, c.Read(2*time.Second), "a clock set back reads earlier")
	assert.Equal(t, -4*time.Second, c.Offset(2*time.Second))
}

func TestTimersRunOnTheLocalClock(t *testing.T) {
	w, r := newWorld(t, 1, nil)
	require.NoError(t, w.SetClockRate(0, 1_000_000)) // local time runs twice as fast
	r[0].env.SetTimer(10*time.Millisecond, 7)
	require.NoError(t, w.RunFor(4999*time.Microsecond))
	assert.Empty(t, r[0].timers)
	require.NoError(t, w.RunFor(time.Microsecond))
	require.Len(t, r[0].timers, 1, "10ms of a double-speed clock pass in 5ms")
	assert.Equal(t, 10*time.Millisecond, r[0].timers[0].at, "and the node reads 10ms on its clock")
}

func TestATimerNeverFiresBeforeItsLocalDeadline(t *testing.T) {
	for _, rate := range []harness.PPM{-333_333, -1, 1, 7, 123_457, 999_999} {
		var c harness.Clock
		require.NoError(t, c.SetRate(0, rate))
		for _, d := range []time.Duration{1, 3, 999, time.Millisecond, 7 * time.Second} {
			real := c.RealDelay(d)
			assert.GreaterOrEqual(t, c.Read(real), d, "rate %d delay %v", rate, d)
			assert.Less(t, c.Read(real-1), d, "rate %d delay %v: and not later than needed", rate, d)
		}
	}
}

func TestJumpClockShowsInTheNodesReadings(t *testing.T) {
	w, r := newWorld(t, 1, nil)
	require.NoError(t, w.RunFor(time.Second))
	require.NoError(t, w.JumpClock(0, time.Hour))
	assert.Equal(t, time.Hour+time.Second, r[0].env.Now())
	assert.Equal(t, time.Second, w.Now(), "virtual time is untouched")
}
