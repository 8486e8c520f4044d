package checker_test

import (
	"math/rand/v2"
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
		// keys the witness decided once info operations it could not
		// place were put in its order
		infoPlaced int
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
			name: "an info write the witness could not place, seen by a read: put in before the read",
			ops: regOps{
				ordered(w(0, "x", 1, 0, 10), 2),
				info(w(1, "x", 9, 5, 6)),
				ordered(r(2, "x", 9, 25, 30), 3),
				ordered(r(0, "x", 9, 31, 32), 4),
			},
			valid: checker.Valid, witnessed: 1, infoPlaced: 1,
		},
		{
			name: "two info writes put in between the reads that saw them",
			ops: regOps{
				ordered(w(0, "x", 1, 0, 10), 2),
				info(w(1, "x", 8, 5, 6)),
				info(w(3, "x", 9, 7, 8)),
				ordered(r(2, "x", 9, 25, 30), 3),
				ordered(r(0, "x", 8, 31, 32), 4),
				ordered(r(2, "x", 8, 33, 34), 5),
			},
			valid: checker.Valid, witnessed: 1, infoPlaced: 1,
		},
		{
			name: "an info write invoked after the read that saw it returned: not put in, and the search says invalid",
			ops: regOps{
				ordered(w(0, "x", 1, 0, 10), 2),
				ordered(r(2, "x", 9, 25, 30), 3),
				info(w(1, "x", 9, 40, 41)),
			},
			valid: checker.Invalid, witnessed: 0,
		},
		{
			name: "info writes that fit nowhere in a wrong claim: the search says valid",
			// The claim puts the read of 1 after the write of 2; only the
			// order the search finds (read before the write) is legal.
			ops: regOps{
				ordered(w(0, "x", 1, 0, 10), 2),
				ordered(w(1, "x", 2, 11, 40), 3),
				ordered(r(2, "x", 1, 12, 30), 4),
				info(w(3, "x", 7, 13, 14)),
			},
			valid: checker.Valid, witnessed: 0,
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
			assert.Equal(t, tt.infoPlaced, l.Details().InfoPlacedKeys)
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

// A witness never changes a verdict: over random register histories, each
// with a claimed order that is right, slightly wrong or missing for some
// operations, and info writes the claim leaves out, checking with the
// claim gives the verdict of checking without it. The histories are drawn
// from a fixed seed, so the test is the same at every run.
func TestAWitnessNeverChangesAVerdict(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 1))
	var witnessed, placed, invalid int
	for trial := range 3000 {
		var ops regOps
		value := 0
		now := 0
		order := uint64(1)
		wrote := map[int]uint64{0: 0} // value -> the order claimed for its write
		for p := range 3 + rng.IntN(5) {
			now += rng.IntN(4)
			call := now
			ret := call + 1 + rng.IntN(8)
			var op checker.Op[regIn, int]
			stale := false
			if rng.IntN(2) == 0 {
				value++
				op = w(p, "x", value, call, ret)
			} else {
				seen := value
				if rng.IntN(8) == 0 {
					seen = rng.IntN(value + 1) // perhaps stale
					stale = seen < value
				}
				op = r(p, "x", seen, call, ret)
			}
			switch rng.IntN(10) {
			case 1, 2:
				if stale {
					// What a server that read an old state would claim:
					// just after the write it saw, which the model accepts
					// and real time may not.
					op = ordered(op, wrote[op.Output]+1)
					break
				}
				fallthrough
			case 0:
				if op.Input.write {
					op = info(op) // the claim leaves it out
					break
				}
				fallthrough
			default:
				order += uint64(1 + rng.IntN(2))
				if rng.IntN(12) == 0 {
					order -= 2 // a claim out of order
				}
				op = ordered(op, order)
			}
			if op.Input.write && op.Known {
				wrote[op.Input.v] = op.Order
			}
			ops = append(ops, op)
		}
		// Reads that saw an info write the claim left out.
		for i := range ops {
			if !ops[i].Known && rng.IntN(2) == 0 {
				at := ops[i].Call + 1 + int64(rng.IntN(6))
				ops = append(ops, ordered(r(9, "x", ops[i].Input.v, int(at), int(at)+2), order+1))
				order += 2
			}
		}
		bare := make(regOps, len(ops))
		for i, op := range ops {
			op.Order = 0
			bare[i] = op
		}
		with := checker.CheckLinearizable(ops, regModel, 0)
		without := checker.CheckLinearizable(bare, regModel, 0)
		require.Equal(t, without.Valid(), with.Valid(), "trial %d: %v", trial, ops)
		witnessed += with.Details().WitnessedKeys
		placed += with.Details().InfoPlacedKeys
		if with.Valid() == checker.Invalid {
			invalid++
		}
	}
	// The draw reaches every case: witnessed, witnessed once info writes
	// were put in, and invalid.
	assert.Positive(t, witnessed)
	assert.Positive(t, placed)
	assert.Positive(t, invalid)
	t.Logf("3000 histories: %d witnessed, %d of them with info writes put in; %d invalid", witnessed, placed, invalid)
}
