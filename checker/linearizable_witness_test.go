package checker_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
)

// ordered gives op the order its system claims for it.
func ordered(op checker.Op[regIn, int], order uint64) checker.Op[regIn, int] {
	op.Order = order
	return op
}

// A witness decides a key only when it is a linearization; any other
// claim leaves the verdict to the search, so it never changes a verdict.
func TestCheckLinearizableWitness(t *testing.T) {
	tests := []struct {
		name      string
		ops       regOps
		valid     checker.Validity
		witnessed int // keys decided by the witness
	}{
		{
			name: "a true order decides the key without a search",
			ops: regOps{
				ordered(w(0, "x", 1, 0, 10), 2),
				ordered(w(1, "x", 2, 5, 20), 4),
				ordered(r(2, "x", 2, 25, 30), 5),
				ordered(r(0, "x", 1, 11, 12), 3), // between the writes, concurrent with the second
			},
			valid: checker.Valid, witnessed: 1,
		},
		{
			name: "an info write without an order goes last",
			ops: regOps{
				ordered(w(0, "x", 1, 0, 10), 2),
				info(w(1, "x", 9, 5, 6)),
				ordered(r(2, "x", 1, 25, 30), 3),
			},
			valid: checker.Valid, witnessed: 1,
		},
		{
			name: "an illegal claim on a linearizable history: the search says valid",
			ops: regOps{
				ordered(w(0, "x", 1, 0, 10), 4), // claimed after the read, which saw it
				ordered(r(1, "x", 1, 5, 20), 3),
			},
			valid: checker.Valid, witnessed: 0,
		},
		{
			name: "a claim against real time is refused even where the model accepts it",
			// The read returned 0 after the write completed: stale. Placing
			// the read first satisfies the model, but the read was invoked
			// after the write returned.
			ops: regOps{
				ordered(w(0, "x", 1, 0, 10), 4),
				ordered(r(1, "x", 0, 20, 30), 3),
			},
			valid: checker.Invalid, witnessed: 0,
		},
		{
			name: "a known operation without an order: no claim, the search decides",
			ops: regOps{
				ordered(w(0, "x", 1, 0, 10), 2),
				r(1, "x", 1, 20, 30),
			},
			valid: checker.Valid, witnessed: 0,
		},
		{
			name: "keys are witnessed alone",
			ops: regOps{
				ordered(w(0, "x", 1, 0, 10), 2),
				ordered(r(1, "x", 1, 20, 30), 3),
				w(0, "y", 1, 40, 50),
				r(1, "y", 2, 60, 70), // never written: invalid
			},
			valid: checker.Invalid, witnessed: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := checker.CheckLinearizable(tt.ops, regModel, 0)
			assert.Equal(t, tt.valid, l.Valid())
			assert.Equal(t, tt.witnessed, l.Details().WitnessedKeys)
		})
	}
}

// A witnessed key's visualization holds the whole witnessed order as its
// linearization, so the report draws it like a searched one.
func TestWitnessedKeyIsVisualized(t *testing.T) {
	ops := regOps{
		ordered(w(0, "x", 1, 0, 10), 2),
		ordered(r(1, "x", 1, 20, 30), 3),
	}
	l := checker.CheckLinearizable(ops, regModel, 0)
	require.Equal(t, checker.Valid, l.Valid())
	var b strings.Builder
	require.NoError(t, l.Visualize(&b, nil))
	assert.Contains(t, b.String(), `"PartialLinearizations":[[{"Index":0,"StateDescription":"1"},{"Index":1,"StateDescription":"1"}]]`)
}
