package harness_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness"
)

// A storm (every event schedules two more) ends the run with ErrBudget,
// at the budget, instead of growing until the machine runs out; so does a
// queue that only grows. A run within its budget is untouched.
func TestBudgetStopsAStorm(t *testing.T) {
	for _, tc := range []struct {
		name   string
		budget harness.Budget
		want   string
	}{
		{"events", harness.Budget{Events: 10_000}, "events dispatched"},
		{"pending", harness.Budget{Pending: 5_000}, "events pending"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := harness.New(harness.Config{Seed: 1})
			require.NoError(t, err)
			w.SetBudget(tc.budget)
			var storm func()
			storm = func() {
				w.After(time.Millisecond, storm)
				w.After(time.Millisecond, storm)
			}
			w.After(0, storm)
			err = w.Run(time.Hour)
			require.ErrorIs(t, err, harness.ErrBudget)
			assert.ErrorContains(t, err, tc.want)
			assert.LessOrEqual(t, w.Dispatched(), uint64(20_000))
		})
	}
	w, err := harness.New(harness.Config{Seed: 1})
	require.NoError(t, err)
	w.SetBudget(harness.Budget{Events: 1000, Pending: 10})
	n := 0
	var tick func()
	tick = func() {
		if n++; n < 1000 {
			w.After(time.Millisecond, tick)
		}
	}
	w.After(0, tick)
	require.NoError(t, w.Run(time.Hour), "a thousand events in a budget of a thousand")
}

// A run that retains more heap than its Budget's Memory stops with
// ErrMemory, with the amount; a run under it is untouched.
func TestBudgetStopsARunOverItsMemory(t *testing.T) {
	for _, tc := range []struct {
		name    string
		ceiling uint64
		stops   bool
	}{
		{"over", 16 << 20, true},
		{"under", 1 << 40, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := harness.New(harness.Config{Seed: 1})
			require.NoError(t, err)
			w.SetBudget(harness.Budget{Memory: tc.ceiling})
			var kept [][]byte
			n := 0
			var grow func()
			grow = func() {
				kept = append(kept, make([]byte, 1<<10)) // 1 KiB an event, kept
				if n++; n < 100_000 {
					w.After(time.Millisecond, grow)
				}
			}
			w.After(0, grow)
			err = w.Run(time.Hour)
			if !tc.stops {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, harness.ErrMemory)
			assert.ErrorContains(t, err, "MiB allowed")
			assert.Less(t, n, 100_000, "stopped before the end")
		})
	}
}
