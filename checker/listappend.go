package checker

import (
	"fmt"
	"sort"
	"strings"
)

// ListAppendDetails is what CheckListAppend found. Each list of anomalies
// holds at most maxWitnesses entries, in key then history order; the
// counts beside them are complete.
type ListAppendDetails struct {
	Keys        int `json:"keys"`
	Reads       int `json:"reads"` // ok list reads
	OKAppends   int `json:"ok_appends"`
	InfoAppends int `json:"info_appends"` // including appends never completed
	FailAppends int `json:"fail_appends"`

	Diverged        []ListDivergence `json:"diverged,omitempty"`
	DivergedCount   int              `json:"diverged_count"`
	Stale           []ListStaleRead  `json:"stale,omitempty"`
	StaleCount      int              `json:"stale_count"`
	Duplicated      []ListElement    `json:"duplicated,omitempty"`
	DuplicatedCount int              `json:"duplicated_count"`
	Unexpected      []ListElement    `json:"unexpected,omitempty"`
	UnexpectedCount int              `json:"unexpected_count"`
	Lost            []ListLost       `json:"lost,omitempty"`
	LostCount       int              `json:"lost_count"`
	Reordered       []ListReorder    `json:"reordered,omitempty"`
	ReorderedCount  int              `json:"reordered_count"`

	// Unread are the keys without any ok list read: not checked.
	Unread    []string         `json:"unread,omitempty"`
	Malformed []MalformedValue `json:"malformed,omitempty"`
}

// ListDivergence is a read that is not a prefix of Other, the key's
// longest read, nor Other of it: at position At, Read has Element and
// Other has OtherElement. Read and Other are history indexes of the reads'
// completions.
type ListDivergence struct {
	Key          string `json:"key"`
	Read         int    `json:"read"`
	Other        int    `json:"other"`
	At           int    `json:"at"`
	Element      int64  `json:"element"`
	OtherElement int64  `json:"other_element"`
}

// ListStaleRead is a read (Later) invoked after another (Earlier)
// completed, yet shorter: it misses appends Earlier had already seen.
type ListStaleRead struct {
	Key        string `json:"key"`
	Earlier    int    `json:"earlier"`
	Later      int    `json:"later"`
	EarlierLen int    `json:"earlier_len"`
	LaterLen   int    `json:"later_len"`
}

// ListElement is an element some reads show wrongly (duplicated, or
// unexpected): Read is the first such read, Reads how many there are.
type ListElement struct {
	Key     string `json:"key"`
	Element int64  `json:"element"`
	Read    int    `json:"read"`
	Reads   int    `json:"reads"`
}

// ListLost is an acknowledged append (completed at Append) missing from
// Reads reads invoked after it, the first of which is Read.
type ListLost struct {
	Key     string `json:"key"`
	Element int64  `json:"element"`
	Append  int    `json:"append"`
	Read    int    `json:"read"`
	Reads   int    `json:"reads"`
}

// ListReorder is a read that has First before Second, though Second's
// append was acknowledged (at SecondDone) before First's was invoked (at
// FirstInvoke).
type ListReorder struct {
	Key         string `json:"key"`
	Read        int    `json:"read"`
	First       int64  `json:"first"`
	Second      int64  `json:"second"`
	FirstInvoke int    `json:"first_invoke"`
	SecondDone  int    `json:"second_done"`
}

// CheckListAppend checks a list-append history: f=append appends an
// integer to a key's list, f=list reads the whole list (its ok value is
// the list in append order). Each key is checked on its own, with
// operations ordered by history position. On each key:
//
//   - diverged: any two ok reads are prefix-comparable (one is a prefix of
//     the other); the checker compares every read with the key's longest,
//     which is equivalent;
//   - stale: a read invoked after another completed is at least as long
//     (with comparability, this makes the earlier a prefix of the later);
//   - duplicated: no read has an element more often than it was appended
//     (by appends that may have happened: ok or indeterminate);
//   - unexpected: every element read had an append that may have happened
//     invoked before the read completed;
//   - lost: an acknowledged append completed before a read was invoked is
//     in that read;
//   - reordered: no read has a before b when b's append was acknowledged
//     before a's was invoked (elements appended once, and read once, only).
//
// Valid iff none of these occurs and every value is well formed. A key
// with no ok read cannot be judged: the verdict is then unknown, unless
// the history is invalid elsewhere. A history with no list-append
// operations is unknown.
func CheckListAppend(h History) Result {
	byKey, keys := opsByKey(h.Operations(), "append", "list")
	if len(keys) == 0 {
		return noOpsResult("list-append")
	}
	d := ListAppendDetails{Keys: len(keys)}
	for _, k := range keys {
		checkListKey(h, k, byKey[k], &d)
	}
	sort.Slice(d.Malformed, func(i, j int) bool { return d.Malformed[i].Index < d.Malformed[j].Index })

	var problems []string
	add := func(n int, kind string, first func() string) {
		if n > 0 {
			problems = append(problems, fmt.Sprintf("%d %s (first: %s)", n, kind, first()))
		}
	}
	add(d.DivergedCount, "diverged", func() string {
		x := d.Diverged[0]
		return fmt.Sprintf("key %q: read %d has %d at position %d, read %d has %d", x.Key, x.Read, x.Element, x.At, x.Other, x.OtherElement)
	})
	add(d.StaleCount, "stale", func() string {
		x := d.Stale[0]
		return fmt.Sprintf("key %q: read %d saw %d elements after read %d saw %d", x.Key, x.Later, x.LaterLen, x.Earlier, x.EarlierLen)
	})
	add(d.LostCount, "lost", func() string {
		x := d.Lost[0]
		return fmt.Sprintf("key %q: %d, acknowledged at %d, missing from read %d", x.Key, x.Element, x.Append, x.Read)
	})
	add(d.DuplicatedCount, "duplicated", func() string {
		x := d.Duplicated[0]
		return fmt.Sprintf("key %q: %d in read %d", x.Key, x.Element, x.Read)
	})
	add(d.UnexpectedCount, "unexpected", func() string {
		x := d.Unexpected[0]
		return fmt.Sprintf("key %q: %d in read %d", x.Key, x.Element, x.Read)
	})
	add(d.ReorderedCount, "reordered", func() string {
		x := d.Reordered[0]
		return fmt.Sprintf("key %q: read %d has %d before %d", x.Key, x.Read, x.First, x.Second)
	})
	add(len(d.Malformed), "malformed", func() string {
		return fmt.Sprintf("event %d: %s", d.Malformed[0].Index, d.Malformed[0].Reason)
	})
	switch {
	case len(problems) > 0:
		return Result{Valid: Invalid, Summary: "list-append: " + strings.Join(problems, "; "), Details: d}
	case len(d.Unread) > 0:
		return Result{Valid: Unknown, Details: d, Summary: fmt.Sprintf("list-append: %s never read (first %q): not checked; the other keys are fine",
			countOf(len(d.Unread), "key", "keys"), d.Unread[0])}
	}
	return Result{Valid: Valid, Details: d, Summary: fmt.Sprintf("list-append: %s on %s consistent with %s (%d indeterminate)",
		countOf(d.Reads, "read", "reads"), countOf(d.Keys, "key", "keys"), countOf(d.OKAppends, "acknowledged append", "acknowledged appends"), d.InfoAppends)}
}

// listElement is what the appends of one element did on a key.
type listElement struct {
	maybe    int // appends that may have happened (ok or indeterminate)
	maybeInv int // earliest invocation of such an append; -1: none
	okDone   int // earliest completion of an ok append; -1: none
	// reads follows the element through the reads invoked after its
	// append was acknowledged.
	reads presence
	// inRead counts its occurrences in the read numbered stamp-1.
	stamp, inRead int
}

type listRead struct {
	op   *Operation
	list []int64
	// repeated are the elements the list has more than once (usually
	// none: nil).
	repeated map[int64]bool
}

// addWitness appends w to list unless it is full, and counts it.
func addWitness[T any](list *[]T, n *int, w T) {
	*n++
	if len(*list) < maxWitnesses {
		*list = append(*list, w)
	}
}

// checkListKey checks one key's operations (in invocation order), adding
// what it finds to d.
func checkListKey(h History, key string, ops []*Operation, d *ListAppendDetails) {
	els := map[int64]*listElement{}
	var order []int64
	var reads []listRead
	for _, o := range ops {
		switch {
		case o.Invocation.F == "append":
			switch o.Type {
			case OK:
				d.OKAppends++
			case Info:
				d.InfoAppends++
			case Fail:
				d.FailAppends++
			}
			v, err := decodeInt(o.Invocation.Value)
			if err != nil {
				d.Malformed = append(d.Malformed, malformedAt(h, o.InvokePos, "append on key %q: %v", key, err))
				continue
			}
			e := els[v]
			if e == nil {
				e = &listElement{maybeInv: -1, okDone: -1}
				els[v] = e
				order = append(order, v)
			}
			if o.Type == Fail {
				continue
			}
			e.maybe++
			if e.maybeInv < 0 {
				e.maybeInv = o.InvokePos
			}
			if o.Type == OK && (e.okDone < 0 || o.CompletePos < e.okDone) {
				e.okDone = o.CompletePos
			}
		case o.Type == OK: // list
			vs, err := decodeInts(o.Completion.Value)
			if err != nil {
				d.Malformed = append(d.Malformed, malformedAt(h, o.CompletePos, "list on key %q: %v", key, err))
				continue
			}
			reads = append(reads, listRead{op: o, list: vs})
		}
	}
	d.Reads += len(reads)
	if len(reads) == 0 {
		d.Unread = append(d.Unread, key)
		return
	}
	idx := func(pos int) int { return h[pos].Index }

	// Duplicated and unexpected elements, and which reads have each one.
	type shown struct{ first, reads int }
	dup, unexp := map[int64]*shown{}, map[int64]*shown{}
	var dupOrder, unexpOrder []int64
	note := func(m map[int64]*shown, order *[]int64, v int64, read int) {
		if s := m[v]; s != nil {
			s.reads++
			return
		}
		m[v] = &shown{first: read, reads: 1}
		*order = append(*order, v)
	}
	for _, v := range order {
		e := els[v]
		first := len(reads) // not acknowledged: no read must have it
		if e.okDone >= 0 {
			first = sort.Search(len(reads), func(i int) bool { return reads[i].op.InvokePos > e.okDone })
		}
		e.reads = newPresence(first)
	}
	for ri := range reads {
		r := &reads[ri]
		var strangers map[int64]int // elements never appended, with their counts
		repeated := func(v int64) {
			if r.repeated == nil {
				r.repeated = map[int64]bool{}
			}
			r.repeated[v] = true
		}
		for _, v := range r.list {
			e := els[v]
			if e == nil {
				if strangers == nil {
					strangers = map[int64]int{}
				}
				if strangers[v]++; strangers[v] == 1 {
					note(unexp, &unexpOrder, v, idx(r.op.CompletePos))
				} else {
					repeated(v)
				}
				continue
			}
			if e.stamp != ri+1 {
				e.stamp, e.inRead = ri+1, 0
			}
			e.inRead++
			if e.inRead == 2 {
				repeated(v)
			}
			if e.maybeInv < 0 || e.maybeInv > r.op.CompletePos {
				if e.inRead == 1 {
					note(unexp, &unexpOrder, v, idx(r.op.CompletePos))
				}
				continue
			}
			if e.inRead == 1 {
				e.reads.see(ri)
			}
			if e.inRead == e.maybe+1 {
				note(dup, &dupOrder, v, idx(r.op.CompletePos))
			}
		}
	}
	for _, v := range dupOrder {
		addWitness(&d.Duplicated, &d.DuplicatedCount, ListElement{Key: key, Element: v, Read: dup[v].first, Reads: dup[v].reads})
	}
	for _, v := range unexpOrder {
		addWitness(&d.Unexpected, &d.UnexpectedCount, ListElement{Key: key, Element: v, Read: unexp[v].first, Reads: unexp[v].reads})
	}

	// Lost: every read invoked after an acknowledged append has it.
	for _, v := range order {
		e := els[v]
		if missed, firstMissing, _ := e.reads.gaps(len(reads)); missed > 0 {
			addWitness(&d.Lost, &d.LostCount, ListLost{Key: key, Element: v, Append: idx(e.okDone),
				Read: idx(reads[firstMissing].op.CompletePos), Reads: missed})
		}
	}

	// Diverged: every read is a prefix of the longest (the first invoked
	// among equals).
	ref := 0
	for i, r := range reads {
		if len(r.list) > len(reads[ref].list) {
			ref = i
		}
	}
	for i, r := range reads {
		if i == ref {
			continue
		}
		if at := firstDifference(r.list, reads[ref].list); at >= 0 {
			addWitness(&d.Diverged, &d.DivergedCount, ListDivergence{Key: key, Read: idx(r.op.CompletePos), Other: idx(reads[ref].op.CompletePos),
				At: at, Element: r.list[at], OtherElement: reads[ref].list[at]})
		}
	}

	// Stale: a read is at least as long as the longest read completed
	// before it was invoked.
	byDone := make([]int, len(reads))
	for i := range byDone {
		byDone[i] = i
	}
	sort.Slice(byDone, func(i, j int) bool { return reads[byDone[i]].op.CompletePos < reads[byDone[j]].op.CompletePos })
	best, next := -1, 0
	for _, r := range reads {
		for ; next < len(byDone) && reads[byDone[next]].op.CompletePos < r.op.InvokePos; next++ {
			if c := byDone[next]; best < 0 || len(reads[c].list) > len(reads[best].list) {
				best = c
			}
		}
		if best >= 0 && len(r.list) < len(reads[best].list) {
			addWitness(&d.Stale, &d.StaleCount, ListStaleRead{Key: key, Earlier: idx(reads[best].op.CompletePos), Later: idx(r.op.CompletePos),
				EarlierLen: len(reads[best].list), LaterLen: len(r.list)})
		}
	}

	// Reordered: walking each read from its end, the earliest ok
	// completion among the elements after position i must not precede the
	// invocation of element i's append.
	reported := map[[2]int64]bool{}
	for _, r := range reads {
		minDone, minAt := -1, -1
		for i := len(r.list) - 1; i >= 0; i-- {
			e := els[r.list[i]]
			if e == nil || e.maybe != 1 || r.repeated[r.list[i]] {
				continue // unexpected, appended or read more than once: ambiguous
			}
			if minDone >= 0 && minDone < e.maybeInv {
				pair := [2]int64{r.list[i], r.list[minAt]}
				if !reported[pair] {
					reported[pair] = true
					addWitness(&d.Reordered, &d.ReorderedCount, ListReorder{Key: key, Read: idx(r.op.CompletePos), First: pair[0], Second: pair[1],
						FirstInvoke: idx(e.maybeInv), SecondDone: idx(minDone)})
				}
			}
			if e.okDone >= 0 && (minDone < 0 || e.okDone < minDone) {
				minDone, minAt = e.okDone, i
			}
		}
	}
}

// firstDifference is the first position at which a and b differ, or -1 when
// one is a prefix of the other.
func firstDifference(a, b []int64) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}
