package checker

import (
	"fmt"
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

// CheckCounter checks a counter history: f=incr adds one to a key's
// counter (starting at 0) and its ok value is the counter's new value;
// f=count reads it. Each key is checked on its own.
//
// The checker bounds every value by what real time allows, as Jepsen's
// counter checker does, counting operations by history position:
//
//   - an ok count invoked at i and completed at j read v, with
//     lower <= v <= upper, where lower is the number of ok increments
//     completed before i (they certainly took effect before the read) and
//     upper the number of increments, ok or indeterminate, invoked before j
//     (the most that can have taken effect);
//   - an ok increment is bounded the same way, counting itself: lower is
//     one more than the ok increments completed before its invocation, and
//     upper counts the ok and indeterminate increments invoked before its
//     completion, itself included;
//   - no two ok increments of a key return the same value: each moved the
//     counter to a value of its own;
//   - the counter never goes back: an ok count returns at least, and an ok
//     increment more than, the largest value returned by an ok operation
//     that completed before it was invoked. The bounds alone miss this (two
//     reads 2 then 1, both within [1, 2]); it holds for any linearizable
//     counter, since increments only add.
//
// Failed increments count nowhere; an increment never completed counts as
// indeterminate. A history with no counter operations is unknown.
func CheckCounter(h History) Result {
	byKey, keys := opsByKey(h.Operations(), "incr", "count")
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

// checkCounterKey checks one key's operations (in invocation order),
// adding to d's counts and duplicates, and returns the out-of-bounds and
// backwards ones.
func checkCounterKey(h History, key string, ops []*Operation, d *CounterDetails) ([]CounterBound, []CounterBackwards) {
	// okDone: completions of ok increments; maybeInv: invocations of
	// increments that may have happened (ok or indeterminate). Both are
	// ascending: okDone is sorted below, maybeInv follows invocation order.
	var okDone, maybeInv []int
	for _, o := range ops {
		if o.Invocation.F != "incr" {
			continue
		}
		switch o.Type {
		case OK:
			d.OKIncrs++
			okDone = append(okDone, o.CompletePos)
			maybeInv = append(maybeInv, o.InvokePos)
		case Info:
			d.InfoIncrs++
			maybeInv = append(maybeInv, o.InvokePos)
		case Fail:
			d.FailIncrs++
		}
	}
	sort.Ints(okDone)
	countBefore := func(sorted []int, pos int) int64 { return int64(sort.SearchInts(sorted, pos)) }

	// The ok operations with their values, in invocation order.
	type okOp struct {
		o *Operation
		v int64
	}
	var oks []okOp
	for _, o := range ops {
		if o.Type != OK {
			continue
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
		lower, upper := countBefore(okDone, o.InvokePos), countBefore(maybeInv, o.CompletePos)
		if o.Invocation.F == "incr" {
			lower++
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
		case prior >= 0 && (v < byDone[prior].v || (o.Invocation.F == "incr" && v == byDone[prior].v)):
			back = append(back, CounterBackwards{Key: key, F: o.Invocation.F, Index: o.Completion.Index, InvokeIndex: o.Invocation.Index,
				Process: o.Invocation.Process, Value: v, Prior: byDone[prior].o.Completion.Index, PriorValue: byDone[prior].v})
		}
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
