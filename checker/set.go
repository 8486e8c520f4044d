package checker

import (
	"fmt"
	"sort"
	"strings"
)

// SetDetails is what CheckSet found. The counts are totals over all keys;
// ByKey lists only the keys with something to show.
type SetDetails struct {
	Keys  int `json:"keys"`
	Reads int `json:"reads"` // ok members reads
	// OK counts elements whose add was acknowledged; Attempted elements
	// whose adds were only indeterminate, of which Recovered were seen in a
	// read.
	OK         int `json:"ok"`
	Attempted  int `json:"attempted"`
	Recovered  int `json:"recovered"`
	Lost       int `json:"lost"`
	Stale      int `json:"stale"`
	Unexpected int `json:"unexpected"`
	NeverRead  int `json:"never_read"`
	// Unread are the keys without any ok members read: nothing about them
	// could be checked.
	Unread    []string         `json:"unread,omitempty"`
	ByKey     []SetKey         `json:"by_key,omitempty"`
	Malformed []MalformedValue `json:"malformed,omitempty"`
}

// SetKey is what CheckSet found on one key. Element lists are ascending.
type SetKey struct {
	Key string `json:"key"`
	// Lost elements were known to be in the set (an acknowledged add, or a
	// read that saw them) yet missing from the last read invoked after
	// that.
	Lost []int64 `json:"lost,omitempty"`
	// Stale elements were known to be in the set yet missing from some
	// read invoked after that, though present in the last read.
	Stale []int64 `json:"stale,omitempty"`
	// Unexpected elements were read though no add of them that could have
	// happened (ok or indeterminate) was invoked before the read completed.
	Unexpected []int64 `json:"unexpected,omitempty"`
	// NeverRead elements were acknowledged, but no read was invoked after
	// their add completed, and none saw them: not checked.
	NeverRead []int64 `json:"never_read,omitempty"`
	// Witnesses name the reads that show each lost, stale or unexpected
	// element (at most maxWitnesses).
	Witnesses []SetWitness `json:"witnesses,omitempty"`
}

// SetWitness is the read that shows an element's anomaly: for a lost
// element the last read (which misses it), for a stale one the first read
// after Known that misses it, for an unexpected one the first read that
// has it.
type SetWitness struct {
	Element int64  `json:"element"`
	Kind    string `json:"kind"` // lost, stale or unexpected
	Read    int    `json:"read"` // index of the read's completion
	// Known is the index of the event from which the element was known to
	// be in the set: its add's ok, or the completion of the first read
	// that saw it. -1 for an unexpected element.
	Known int `json:"known"`
}

// CheckSet checks a set history, as Jepsen's set-full checker does: f=add
// adds an integer to a key's set, f=members (Jepsen's f=read) reads the whole set (its ok
// value is the list of members). Each key is checked on its own, with
// operations ordered by history position.
//
// An element is known to be in the set from the earlier of its
// acknowledged add's completion and the completion of the first read that
// saw it. Every read invoked after that must contain it. An element
// missing from the last read (by invocation) invoked after it was known is
// lost; one missing from an earlier such read but present in the last is
// stale (a stale read). An element read before any add of it that could
// have happened (ok or indeterminate; a failed add certainly did not) was
// invoked is unexpected. Indeterminate adds never seen in a read may or may
// not have happened and are not judged.
//
// Valid iff no element is lost, stale or unexpected and every value is
// well formed. A key with no ok read cannot be judged: the verdict is then
// unknown, unless the history is invalid elsewhere. An acknowledged element
// after whose add no read was invoked is reported as never read, but does
// not change the verdict. A history with no set operations is unknown.
func CheckSet(h History) Result {
	byKey, keys := opsByKey(h.Operations(), "add", "members", "read")
	if len(keys) == 0 {
		return noOpsResult("set")
	}
	d := SetDetails{Keys: len(keys)}
	for _, k := range keys {
		if sk := checkSetKey(h, k, byKey[k], &d); sk != nil {
			d.ByKey = append(d.ByKey, *sk)
		}
	}
	sort.Slice(d.Malformed, func(i, j int) bool { return d.Malformed[i].Index < d.Malformed[j].Index })

	var problems []string
	for _, p := range []struct {
		n    int
		kind string
		pick func(*SetKey) []int64
	}{
		{d.Lost, "lost", func(k *SetKey) []int64 { return k.Lost }},
		{d.Unexpected, "unexpected", func(k *SetKey) []int64 { return k.Unexpected }},
		{d.Stale, "stale", func(k *SetKey) []int64 { return k.Stale }},
	} {
		if p.n == 0 {
			continue
		}
		for i := range d.ByKey {
			if els := p.pick(&d.ByKey[i]); len(els) > 0 {
				problems = append(problems, fmt.Sprintf("%d %s (key %q: %s)", p.n, p.kind, d.ByKey[i].Key, elementList(els, 5)))
				break
			}
		}
	}
	if n := len(d.Malformed); n > 0 {
		problems = append(problems, fmt.Sprintf("%s malformed (first: event %d: %s)", countOf(n, "value", "values"), d.Malformed[0].Index, d.Malformed[0].Reason))
	}
	switch {
	case len(problems) > 0:
		return Result{Valid: Invalid, Summary: "set: " + strings.Join(problems, "; "), Details: d}
	case len(d.Unread) > 0:
		return Result{Valid: Unknown, Details: d, Summary: fmt.Sprintf("set: %s never read (first %q): not checked; the other keys are fine",
			countOf(len(d.Unread), "key", "keys"), d.Unread[0])}
	}
	return Result{Valid: Valid, Details: d, Summary: fmt.Sprintf("set: %s on %s: none lost, stale or unexpected (%d indeterminate, %d recovered, %d never read)",
		countOf(d.OK, "acknowledged element", "acknowledged elements"), countOf(d.Keys, "key", "keys"), d.Attempted, d.Recovered, d.NeverRead)}
}

// setElement is what the adds of one element did on a key.
type setElement struct {
	maybeInv int // earliest invocation of an add that may have happened; -1: none
	okDone   int // earliest completion of an ok add; -1: none
	seenDone int // earliest completion of a read that saw it; -1: none
	// reads follows the element through the reads invoked after it was
	// known.
	reads presence
}

type setRead struct {
	op      *Operation
	members []int64 // ascending, without duplicates
}

// checkSetKey checks one key's operations (in invocation order), adding to
// d's counts, and returns what to show about the key, or nil.
func checkSetKey(h History, key string, ops []*Operation, d *SetDetails) *SetKey {
	els := map[int64]*setElement{}
	var order []int64 // elements in first-add order, for a deterministic walk
	element := func(v int64) *setElement {
		e := els[v]
		if e == nil {
			e = &setElement{maybeInv: -1, okDone: -1, seenDone: -1}
			els[v] = e
			order = append(order, v)
		}
		return e
	}
	var reads []setRead
	for _, o := range ops {
		switch {
		case o.Invocation.F == "add":
			v, err := decodeInt(o.Invocation.Value)
			if err != nil {
				d.Malformed = append(d.Malformed, malformedAt(h, o.InvokePos, "add on key %q: %v", key, err))
				continue
			}
			e := element(v)
			if o.Type != Fail && e.maybeInv < 0 {
				e.maybeInv = o.InvokePos // ops are in invocation order: the first is the earliest
			}
			if o.Type == OK && (e.okDone < 0 || o.CompletePos < e.okDone) {
				e.okDone = o.CompletePos
			}
		case o.Type == OK: // members
			vs, err := decodeInts(o.Completion.Value)
			if err != nil {
				d.Malformed = append(d.Malformed, malformedAt(h, o.CompletePos, "%s on key %q: %v", o.Invocation.F, key, err))
				continue
			}
			reads = append(reads, setRead{op: o, members: sortedUnique(vs)})
		}
	}
	d.Reads += len(reads)

	sk := &SetKey{Key: key}
	witness := func(w SetWitness) {
		if len(sk.Witnesses) < maxWitnesses {
			sk.Witnesses = append(sk.Witnesses, w)
		}
	}
	// First pass: unexpected elements, and when each element was first
	// seen.
	unexpected := map[int64]bool{}
	for _, r := range reads {
		for _, v := range r.members {
			e := els[v]
			if e == nil || e.maybeInv < 0 || e.maybeInv > r.op.CompletePos {
				if !unexpected[v] {
					unexpected[v] = true
					sk.Unexpected = append(sk.Unexpected, v)
					witness(SetWitness{Element: v, Kind: "unexpected", Read: r.op.Completion.Index, Known: -1})
				}
				continue
			}
			if e.seenDone < 0 || r.op.CompletePos < e.seenDone {
				e.seenDone = r.op.CompletePos
			}
		}
	}
	if len(reads) == 0 {
		d.Unread = append(d.Unread, key)
	}

	// When each element was known to be in the set, and so the first read
	// (in invocation order) that must have it: every one from there on.
	for _, v := range order {
		e := els[v]
		switch {
		case e.okDone >= 0:
			d.OK++
		case e.maybeInv >= 0:
			d.Attempted++
			if e.seenDone >= 0 {
				d.Recovered++
			}
		}
		first := len(reads) // not judged: it may never have happened, or is already reported
		if known := e.known(); known >= 0 && !unexpected[v] {
			first = sort.Search(len(reads), func(i int) bool { return reads[i].op.InvokePos > known })
		}
		e.reads = newPresence(first)
	}
	// Second pass: which of those reads have it.
	for ri, r := range reads {
		for _, v := range r.members {
			if e := els[v]; e != nil {
				e.reads.see(ri)
			}
		}
	}
	for _, v := range order {
		e := els[v]
		known := e.known()
		if known < 0 || unexpected[v] {
			continue
		}
		missed, firstMissing, inLast := e.reads.gaps(len(reads))
		switch {
		case e.reads.first == len(reads):
			if e.seenDone < 0 {
				sk.NeverRead = append(sk.NeverRead, v)
			}
		case missed == 0:
		case !inLast:
			sk.Lost = append(sk.Lost, v)
			witness(SetWitness{Element: v, Kind: "lost", Read: reads[len(reads)-1].op.Completion.Index, Known: h[known].Index})
		default:
			sk.Stale = append(sk.Stale, v)
			witness(SetWitness{Element: v, Kind: "stale", Read: reads[firstMissing].op.Completion.Index, Known: h[known].Index})
		}
	}
	for _, l := range [][]int64{sk.Lost, sk.Stale, sk.Unexpected, sk.NeverRead} {
		sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	}
	sort.SliceStable(sk.Witnesses, func(i, j int) bool { return sk.Witnesses[i].Element < sk.Witnesses[j].Element })
	d.Lost += len(sk.Lost)
	d.Stale += len(sk.Stale)
	d.Unexpected += len(sk.Unexpected)
	d.NeverRead += len(sk.NeverRead)
	if len(sk.Lost)+len(sk.Stale)+len(sk.Unexpected)+len(sk.NeverRead) == 0 {
		return nil
	}
	return sk
}

// known is the position from which the element was certainly in the set:
// the earlier of its first acknowledgement and the completion of the first
// read that saw it; -1 if neither happened.
func (e *setElement) known() int {
	if e.seenDone >= 0 && (e.okDone < 0 || e.seenDone < e.okDone) {
		return e.seenDone
	}
	return e.okDone
}

// sortedUnique sorts vs ascending and drops repeats, in place.
func sortedUnique(vs []int64) []int64 {
	sort.Slice(vs, func(i, j int) bool { return vs[i] < vs[j] })
	out := vs[:0]
	for _, v := range vs {
		if len(out) == 0 || v != out[len(out)-1] {
			out = append(out, v)
		}
	}
	return out
}

// elementList shows at most max elements of els.
func elementList(els []int64, max int) string {
	var b strings.Builder
	for i, v := range els {
		if i == max {
			fmt.Fprintf(&b, " ... (%d more)", len(els)-max)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprint(&b, v)
	}
	return b.String()
}
