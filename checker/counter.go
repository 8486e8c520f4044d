package checker

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// CounterDetails is what CheckCounter found.
type CounterDetails struct {
	Keys      int `json:"keys"`
	Reads     int `json:"reads"`      // ok count reads checked
	OKIncrs   int `json:"ok_incrs"`   // acknowledged increments
	InfoIncrs int `json:"info_incrs"` // indeterminate increments, including ones never completed
	FailIncrs int `json:"fail_incrs"` // increments that certainly did not happen
	// OutOfBounds are the ok reads and increments whose value lies outside
	// what the operations around them allow (at most maxWitnesses, in
	// history order); OutOfBoundsCount counts them all.
	OutOfBounds      []CounterBound `json:"out_of_bounds,omitempty"`
	OutOfBoundsCount int            `json:"out_of_bounds_count"`
	// Backwards are the ok operations that returned less than (a count) or
	// no more than (an increment) a value an operation completed before
	// their invocation had returned: the counter went back in time (at most
	// maxWitnesses, in history order). Operations already out of bounds are
	// not repeated here.
	Backwards      []CounterBackwards `json:"backwards,omitempty"`
	BackwardsCount int                `json:"backwards_count"`
	// Duplicates are values returned by more than one ok increment of a
	// key (at most maxWitnesses); DuplicateCount counts them all.
	Duplicates     []CounterDuplicate `json:"duplicates,omitempty"`
	DuplicateCount int                `json:"duplicate_count"`
	Malformed      []MalformedValue   `json:"malformed,omitempty"`
}

// CounterBound is an ok operation whose value is outside [Lower, Upper].
type CounterBound struct {
	Key         string  `json:"key"`
	F           string  `json:"f"`     // count or incr
	Index       int     `json:"index"` // the ok completion
	InvokeIndex int     `json:"invoke_index"`
	Process     Process `json:"process"`
	Value       int64   `json:"value"`
	Lower       int64   `json:"lower"`
	Upper       int64   `json:"upper"`
}

// CounterBackwards is an ok operation that returned Value though Prior,
// an ok operation on the same key that completed before it was invoked,
// had returned PriorValue: a count must be >= PriorValue, an increment >
// PriorValue.
type CounterBackwards struct {
	Key         string  `json:"key"`
	F           string  `json:"f"`
	Index       int     `json:"index"`
	InvokeIndex int     `json:"invoke_index"`
	Process     Process `json:"process"`
	Value       int64   `json:"value"`
	Prior       int     `json:"prior"` // the earlier operation's completion
	PriorValue  int64   `json:"prior_value"`
}

// CounterDuplicate is a value that several ok increments of a key returned;
// Indexes are their completions.
type CounterDuplicate struct {
	Key     string `json:"key"`
	Value   int64  `json:"value"`
	Indexes []int  `json:"indexes"`
}

// CheckCounter checks a counter history. Each key's counter starts at 0
// and is checked on its own. Two dialects are read:
//
//   - ours: f=incr adds its amount (a null value is 1, an integer is the
//     amount) and its ok value is the counter's new value; f=count reads;
//   - Jepsen's: f=add adds the amount its value gives, and its ok value
//     only echoes the amount; f=read reads.
//
// The checker bounds every value by what real time allows, as Jepsen's
// counter checker does, counting operations by history position and
// summing their amounts:
//
//   - an ok read invoked at i and completed at j read v, with
//     lower <= v <= upper: the ok increments completed before i certainly
//     took effect before it, and each increment (ok or indeterminate)
//     invoked before j, and not among those, may or may not have; lower
//     adds the negative amounts of the maybes to the sum of the certain
//     ones, and upper the positive ones;
//   - an ok incr's new value is bounded the same way, counting itself as
//     certain;
//   - on a key whose every increment adds a positive amount: no two ok
//     incrs return the same value (each moved the counter to a value of its
//     own), and the counter never goes back: an ok read returns at least,
//     and an ok incr more than, the largest value returned by an ok
//     operation that completed before it was invoked. The bounds alone miss
//     this (two reads 2 then 1, both within [1, 2]). With a zero or
//     negative amount neither holds of a correct counter, and neither is
//     checked.
//
// Failed increments count nowhere; an increment never completed counts as
// indeterminate. A history with no counter operations is unknown.
func CheckCounter(h History) Result {
	byKey, keys := opsByKey(h.Operations(), counterFs...)
	if len(keys) == 0 {
		return noOpsResult("counter")
	}
	d := CounterDetails{Keys: len(keys)}
	var bad []CounterBound
	var back []CounterBackwards
	for _, k := range keys {
		b, bw := checkCounterKey(h, k, byKey[k], &d)
		bad, back = append(bad, b...), append(back, bw...)
	}
	sort.Slice(bad, func(i, j int) bool { return bad[i].Index < bad[j].Index })
	d.OutOfBoundsCount = len(bad)
	d.OutOfBounds = bad[:min(len(bad), maxWitnesses)]
	sort.Slice(back, func(i, j int) bool { return back[i].Index < back[j].Index })
	d.BackwardsCount = len(back)
	d.Backwards = back[:min(len(back), maxWitnesses)]
	d.DuplicateCount = len(d.Duplicates)
	if len(d.Duplicates) > maxWitnesses {
		d.Duplicates = d.Duplicates[:maxWitnesses]
	}
	sort.Slice(d.Malformed, func(i, j int) bool { return d.Malformed[i].Index < d.Malformed[j].Index })

	var problems []string
	if n := d.OutOfBoundsCount; n > 0 {
		b := d.OutOfBounds[0]
		problems = append(problems, fmt.Sprintf("%s out of bounds (first: %s on key %q at event %d returned %d, bounds [%d, %d])",
			countOf(n, "value", "values"), b.F, b.Key, b.Index, b.Value, b.Lower, b.Upper))
	}
	if n := d.BackwardsCount; n > 0 {
		b := d.Backwards[0]
		problems = append(problems, fmt.Sprintf("%s went backwards (first: %s on key %q at event %d returned %d after event %d returned %d)",
			countOf(n, "value", "values"), b.F, b.Key, b.Index, b.Value, b.Prior, b.PriorValue))
	}
	if n := d.DuplicateCount; n > 0 {
		c := d.Duplicates[0]
		problems = append(problems, fmt.Sprintf("%s returned by more than one incr (first: %d on key %q at events %v)",
			countOf(n, "value", "values"), c.Value, c.Key, c.Indexes))
	}
	if n := len(d.Malformed); n > 0 {
		problems = append(problems, fmt.Sprintf("%s malformed (first: event %d: %s)", countOf(n, "value", "values"), d.Malformed[0].Index, d.Malformed[0].Reason))
	}
	if len(problems) > 0 {
		return Result{Valid: Invalid, Summary: "counter: " + strings.Join(problems, "; "), Details: d}
	}
	return Result{Valid: Valid, Details: d, Summary: fmt.Sprintf("counter: %s and %s (%d indeterminate) within bounds and monotonic on %s",
		countOf(d.Reads, "ok count", "ok counts"), countOf(d.OKIncrs, "ok incr", "ok incrs"), d.InfoIncrs, countOf(d.Keys, "key", "keys"))}
}

// counterFs are the functions of both dialects.
var counterFs = []string{"incr", "count", "add", "read"}

// counterIncrement reports whether f adds to the counter.
func counterIncrement(f string) bool { return f == "incr" || f == "add" }

// counterAmount is what an increment adds: its invocation's value, or 1
// for a null incr.
func counterAmount(o *Operation) (int64, error) {
	if o.Invocation.F == "incr" && (len(o.Invocation.Value) == 0 || string(o.Invocation.Value) == "null") {
		return 1, nil
	}
	return decodeInt(o.Invocation.Value)
}

// counterDelta is one increment that may have taken effect: its position
// (the invocation's, or the completion's for a certain one) and amount.
type counterDelta struct {
	pos    int
	amount int64
}

// prefixSums are increments sorted by position with running sums of
// their amounts (sum), of their positive amounts (up) and of their
// negative ones (down).
type prefixSums struct {
	pos           []int
	sum, up, down []int64
}

func newPrefixSums(ds []counterDelta) prefixSums {
	sort.Slice(ds, func(i, j int) bool { return ds[i].pos < ds[j].pos })
	p := prefixSums{pos: make([]int, len(ds)), sum: make([]int64, len(ds)+1), up: make([]int64, len(ds)+1), down: make([]int64, len(ds)+1)}
	for i, d := range ds {
		p.pos[i] = d.pos
		p.sum[i+1] = satAdd(p.sum[i], d.amount)
		p.up[i+1], p.down[i+1] = p.up[i], p.down[i]
		if d.amount > 0 {
			p.up[i+1] = satAdd(p.up[i+1], d.amount)
		} else {
			p.down[i+1] = satAdd(p.down[i+1], d.amount)
		}
	}
	return p
}

// satAdd adds without wrapping: a sum beyond int64 sticks at its limit,
// so a bound past the counter's range stays on the side it is on, and the
// checker never reads a wrapped bound as a read out of bounds. (Bounds
// that saturate are loose, never tight: the checker may then miss an
// anomaly, never invent one.)
func satAdd(a, b int64) int64 {
	s := a + b
	switch {
	case b > 0 && s < a:
		return math.MaxInt64
	case b < 0 && s > a:
		return math.MinInt64
	}
	return s
}

// before is how many increments lie before pos.
func (p prefixSums) before(pos int) int { return sort.SearchInts(p.pos, pos) }

// checkCounterKey checks one key's operations (in invocation order),
// adding to d's counts and duplicates, and returns the out-of-bounds and
// backwards ones.
func checkCounterKey(h History, key string, ops []*Operation, d *CounterDetails) ([]CounterBound, []CounterBackwards) {
	// certain: ok increments at their completions; maybe: every increment
	// that may have happened (ok or indeterminate) at its invocation.
	var certain, maybe []counterDelta
	amounts := map[*Operation]int64{}
	positive := true
	for _, o := range ops {
		if !counterIncrement(o.Invocation.F) {
			continue
		}
		if o.Type == Fail {
			d.FailIncrs++
			continue
		}
		a, err := counterAmount(o)
		if err != nil {
			d.Malformed = append(d.Malformed, malformedAt(h, o.InvokePos, "%s on key %q: amount: %v", o.Invocation.F, key, err))
			continue
		}
		amounts[o] = a
		positive = positive && a > 0
		if o.Type == OK {
			d.OKIncrs++
			certain = append(certain, counterDelta{o.CompletePos, a})
		} else {
			d.InfoIncrs++
		}
		maybe = append(maybe, counterDelta{o.InvokePos, a})
	}
	sure, may := newPrefixSums(certain), newPrefixSums(maybe)
	// bounds are the least and most the counter can hold for an operation
	// invoked at inv and completed at done: the certain increments before
	// inv, plus the negative (for lower) or positive (for upper) amounts
	// of the other increments invoked before done. The certain ones are
	// among those invoked before done, so they are taken out of the maybes.
	bounds := func(inv, done int) (int64, int64) {
		c, m := sure.before(inv), may.before(done)
		base := sure.sum[c]
		return satAdd(base, satAdd(may.down[m], -sure.down[c])), satAdd(base, satAdd(may.up[m], -sure.up[c]))
	}

	// The ok operations with their values, in invocation order. A Jepsen
	// add's ok value only echoes its amount: it bounds nothing.
	type okOp struct {
		o *Operation
		v int64
	}
	var oks []okOp
	for _, o := range ops {
		if o.Type != OK || o.Invocation.F == "add" {
			continue
		}
		if _, ok := amounts[o]; !ok && counterIncrement(o.Invocation.F) {
			continue // its amount is malformed, and reported
		}
		v, err := decodeInt(o.Completion.Value)
		if err != nil {
			d.Malformed = append(d.Malformed, malformedAt(h, o.CompletePos, "%s on key %q: %v", o.Invocation.F, key, err))
			continue
		}
		oks = append(oks, okOp{o, v})
	}
	byDone := append([]okOp(nil), oks...)
	sort.Slice(byDone, func(i, j int) bool { return byDone[i].o.CompletePos < byDone[j].o.CompletePos })

	var bad []CounterBound
	var back []CounterBackwards
	byValue := map[int64][]int{}
	var values []int64
	prior, next := -1, 0 // prior: the byDone entry with the largest value completed so far
	for _, ok := range oks {
		o, v := ok.o, ok.v
		for ; next < len(byDone) && byDone[next].o.CompletePos < o.InvokePos; next++ {
			if prior < 0 || byDone[next].v > byDone[prior].v {
				prior = next
			}
		}
		lower, upper := bounds(o.InvokePos, o.CompletePos)
		incr := o.Invocation.F == "incr"
		if incr {
			// Itself: certain, so out of its maybe range and into the sum.
			a := amounts[o]
			if a > 0 {
				lower = satAdd(lower, a)
			} else {
				upper = satAdd(upper, a)
			}
			if _, seen := byValue[v]; !seen {
				values = append(values, v)
			}
			byValue[v] = append(byValue[v], o.Completion.Index)
		} else {
			d.Reads++
		}
		switch {
		case v < lower || v > upper:
			bad = append(bad, CounterBound{Key: key, F: o.Invocation.F, Index: o.Completion.Index, InvokeIndex: o.Invocation.Index,
				Process: o.Invocation.Process, Value: v, Lower: lower, Upper: upper})
		case positive && prior >= 0 && (v < byDone[prior].v || (incr && v == byDone[prior].v)):
			back = append(back, CounterBackwards{Key: key, F: o.Invocation.F, Index: o.Completion.Index, InvokeIndex: o.Invocation.Index,
				Process: o.Invocation.Process, Value: v, Prior: byDone[prior].o.Completion.Index, PriorValue: byDone[prior].v})
		}
	}
	if !positive {
		return bad, back
	}
	sort.Slice(values, func(i, j int) bool { return values[i] < values[j] })
	for _, v := range values {
		if idx := byValue[v]; len(idx) > 1 {
			sort.Ints(idx)
			d.Duplicates = append(d.Duplicates, CounterDuplicate{Key: key, Value: v, Indexes: idx})
		}
	}
	return bad, back
}
