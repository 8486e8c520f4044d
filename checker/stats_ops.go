package checker

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// This file holds what stats, perf and the workload checkers (counter, set,
// list-append) share beyond History.Operations: operations grouped by key,
// value decoding, and key ordering.

// opsByKey groups operations whose f is one of fs by key, keeping
// invocation order within a key, and returns the keys in keyLess order.
func opsByKey(ops []Operation, fs ...string) (map[string][]*Operation, []string) {
	by := map[string][]*Operation{}
	var keys []string
	for i := range ops {
		o := &ops[i]
		if !fOneOf(o.Invocation.F, fs) {
			continue
		}
		key := o.Invocation.Key
		if _, seen := by[key]; !seen {
			keys = append(keys, key)
		}
		by[key] = append(by[key], o)
	}
	sort.Slice(keys, func(i, j int) bool { return keyLess(keys[i], keys[j]) })
	return by, keys
}

func fOneOf(s string, set []string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

// keyLess orders keys naturally: runs of digits compare as numbers, so k2
// comes before k10. Equal-valued digit runs of different lengths (k01, k1)
// and everything else fall back to byte order, so the order is total.
func keyLess(a, b string) bool {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if asciiDigit(a[i]) && asciiDigit(b[j]) {
			ei, ej := i, j
			for ei < len(a) && asciiDigit(a[ei]) {
				ei++
			}
			for ej < len(b) && asciiDigit(b[ej]) {
				ej++
			}
			na := strings.TrimLeft(a[i:ei], "0")
			nb := strings.TrimLeft(b[j:ej], "0")
			if len(na) != len(nb) {
				return len(na) < len(nb)
			}
			if na != nb {
				return na < nb
			}
			i, j = ei, ej
			continue
		}
		if a[i] != b[j] {
			return a[i] < b[j]
		}
		i++
		j++
	}
	if i == len(a) && j == len(b) {
		return a < b
	}
	return i == len(a) // a is a proper prefix of b, in natural order
}

func asciiDigit(c byte) bool { return '0' <= c && c <= '9' }

// MalformedValue is an event whose value does not have the shape its
// workload and function require (a count that is not an integer, a set
// read that is not a list of integers). A checker cannot judge such an
// operation, and reports the history invalid.
type MalformedValue struct {
	Index   int     `json:"index"`
	Process Process `json:"process"`
	F       string  `json:"f"`
	Reason  string  `json:"reason"`
}

// malformedAt describes a bad value at history position pos.
func malformedAt(h History, pos int, format string, args ...any) MalformedValue {
	e := &h[pos]
	return MalformedValue{Index: e.Index, Process: e.Process, F: e.F, Reason: fmt.Sprintf(format, args...)}
}

// decodeInt reads a value that must be one integer.
func decodeInt(raw json.RawMessage) (int64, error) {
	if n, ok := ScanInt(raw); ok {
		return n, nil
	}
	var v *int64
	if err := json.Unmarshal(raw, &v); err != nil || v == nil {
		return 0, fmt.Errorf("want an integer, got %s", shortJSON(raw))
	}
	return *v, nil
}

// decodeInts reads a value that must be a list of integers. null reads as
// the empty list: Jepsen reads nil from a key never written.
func decodeInts(raw json.RawMessage) ([]int64, error) {
	if v, ok := ScanInts(raw); ok {
		return v, nil
	}
	var v []int64
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("want a list of integers, got %s", shortJSON(raw))
	}
	return v, nil
}

// shortJSON is a value for an error message: at most 60 bytes of it.
func shortJSON(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "nothing"
	}
	if len(raw) > 60 {
		return string(raw[:57]) + "..."
	}
	return string(raw)
}

// presence follows one element through a key's reads, numbered in
// invocation order, from the first read that must have it on: every read
// from first must. see must be called once for each read that has the
// element, in ascending order.
type presence struct {
	first   int // ordinal of the first read that must have it
	seen    int // reads from first on that have it
	next    int // ordinal after the last read that had it (first, before any)
	missing int // first ordinal from first on that lacks it; -1: none yet
}

func newPresence(first int) presence { return presence{first: first, next: first, missing: -1} }

func (p *presence) see(read int) {
	if read < p.first {
		return
	}
	if p.missing < 0 && read != p.next {
		p.missing = p.next
	}
	p.seen++
	p.next = read + 1
}

// gaps says, of n reads, how many from first on lack the element, the
// first of them (-1: none), and whether the last read has it.
func (p *presence) gaps(n int) (missed, firstMissing int, inLast bool) {
	firstMissing = p.missing
	if firstMissing < 0 && p.next < n {
		firstMissing = p.next
	}
	return n - p.first - p.seen, firstMissing, p.seen > 0 && p.next == n
}

// maxWitnesses bounds each list of offending operations a checker puts in
// its details; the counts beside the lists are always complete.
const maxWitnesses = 100

// noOpsResult is the verdict of a checker given a history with none of its
// operations: nothing was checked, so nothing is known.
func noOpsResult(what string) Result {
	return Result{Valid: Unknown, Summary: "no " + what + " operations in the history: nothing to check"}
}

// countOf is "1 thing" or "n things".
func countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
