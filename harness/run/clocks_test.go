package run

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"raftcheck/harness"
)

// The drift bound is on the ratio of two clocks' rates, as the lease's
// margin needs, not on the difference of their rates.
func TestClockBoundIsARatioOfRates(t *testing.T) {
	tests := []struct {
		name          string
		lo, hi, bound harness.PPM
		within        bool
	}{
		{"true time", 0, 0, 0, true},
		{"exactly the bound", 0, 50_000, 50_000, true},
		{"a ppm beyond it", 0, 50_001, 50_000, false},
		{"two slow clocks 4 points apart are 8% apart (issue 13)", -500_000, -460_000, 50_000, false},
		{"the same two clocks within an 8% bound", -500_000, -460_000, 80_000, true},
		{"half the bound each way is beyond it", -25_000, 25_000, 50_000, false},
		{"HalfDrift each way is within it", -harness.PPM(HalfDrift(50_000)), harness.PPM(HalfDrift(50_000)), 50_000, true},
		{"HalfDrift of a 40% bound", -harness.PPM(HalfDrift(400_000)), harness.PPM(HalfDrift(400_000)), 400_000, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.within, withinRatio(tc.lo, tc.hi, tc.bound))
		})
	}
	assert.Equal(t, int64(80_000), fasterBy(-500_000, -460_000))
}
