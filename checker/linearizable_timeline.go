package checker

import (
	"cmp"
	"math"
	"slices"
	"sort"
)

// A timeline puts every operation's invocation and completion in one total
// order, and gives each a timestamp for porcupine.
//
// Porcupine compares timestamps and treats intervals as closed: an
// operation completing at 10 is concurrent with one invoked at 10. Our
// history says more. Of two events at the same virtual time, the one
// recorded first happened first, so the timeline orders events by (time,
// history index) and checks with ranks in that order: a completion recorded
// before an invocation precedes it, however close their times. Endpoints
// that tie on both (operations built without history indexes) keep the
// closed-interval reading: invocations sort before completions.
//
// Ranks are even (2, 4, 6...) so that the odd numbers between them can
// place annotations, which have times but no indexes, in the same order.
type timeline struct {
	times []int64 // virtual time of each distinct endpoint, in rank order
}

// forever is the completion timestamp of an operation whose outcome is
// unknown: it never returns, so it stays concurrent with everything after
// its invocation.
const forever = math.MaxInt64

type endpoint struct {
	time  int64
	index int
	ret   bool
	op    int // into the ops being ranked
}

func compareEndpoints(a, b endpoint) int {
	if c := cmp.Compare(a.time, b.time); c != 0 {
		return c
	}
	if c := cmp.Compare(a.index, b.index); c != 0 {
		return c
	}
	switch {
	case a.ret == b.ret:
		return 0
	case !a.ret:
		return -1
	}
	return 1
}

// rank builds the timeline of ops and returns each op's call and return
// timestamps (forever for an op that is not known).
func rank(ops []*linOp) (timeline, []int64, []int64) {
	eps := make([]endpoint, 0, 2*len(ops))
	for i, op := range ops {
		r := &op.rec
		eps = append(eps, endpoint{time: r.Call, index: r.Invoke, op: i})
		if r.Known {
			if r.Return < r.Call || (r.Return == r.Call && r.Complete < r.Invoke) {
				panic("checker: an operation completes before it was invoked: " + r.String())
			}
			eps = append(eps, endpoint{time: r.Return, index: r.Complete, ret: true, op: i})
		}
	}
	slices.SortFunc(eps, compareEndpoints)
	var tl timeline
	call := make([]int64, len(ops))
	ret := make([]int64, len(ops))
	for i := range ret {
		ret[i] = forever
	}
	for i, e := range eps {
		if i == 0 || compareEndpoints(eps[i-1], e) != 0 {
			tl.times = append(tl.times, e.time)
		}
		ts := 2 * int64(len(tl.times))
		if e.ret {
			ret[e.op] = ts
		} else {
			call[e.op] = ts
		}
	}
	return tl, call, ret
}

// at is the odd timestamp of virtual time t for an annotation: just before
// every endpoint at t or later if start, just after every endpoint at t or
// earlier if not.
func (tl timeline) at(t int64, start bool) int64 {
	n := sort.Search(len(tl.times), func(i int) bool {
		if start {
			return tl.times[i] >= t
		}
		return tl.times[i] > t
	})
	return 2*int64(n) + 1
}
