package workloads

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"raftcheck/checker"
)

// Decoding event values. Errors name the event and what its value should
// have been: "event 12: cas value must be [old, new], got 5".

func isNull(v json.RawMessage) bool {
	v = bytes.TrimSpace(v)
	return len(v) == 0 || string(v) == "null"
}

func shown(v json.RawMessage) string {
	if len(bytes.TrimSpace(v)) == 0 {
		return "nothing"
	}
	const max = 60
	if len(v) > max {
		return string(v[:max]) + "..."
	}
	return string(v)
}

// intValue decodes e's value as an integer.
func intValue(e *checker.Event, what string) (int64, error) {
	if n, ok := checker.ScanInt(e.Value); ok {
		return n, nil
	}
	var n int64
	if isNull(e.Value) || json.Unmarshal(e.Value, &n) != nil {
		return 0, fmt.Errorf("event %d: %s value must be an integer, got %s", e.Index, what, shown(e.Value))
	}
	return n, nil
}

// optionalInt decodes e's value as an integer or null (present false).
func optionalInt(e *checker.Event, what string) (n int64, present bool, err error) {
	if isNull(e.Value) {
		return 0, false, nil
	}
	if n, ok := checker.ScanInt(e.Value); ok {
		return n, true, nil
	}
	if json.Unmarshal(e.Value, &n) != nil {
		return 0, false, fmt.Errorf("event %d: %s value must be an integer or null, got %s", e.Index, what, shown(e.Value))
	}
	return n, true, nil
}

// ints decodes a JSON list of integers; null elements are not integers.
func ints(v json.RawMessage) ([]int64, bool) {
	if l, ok := checker.ScanInts(v); ok {
		return l, true
	}
	var raw []json.RawMessage
	if json.Unmarshal(v, &raw) != nil || raw == nil {
		return nil, false
	}
	l := make([]int64, len(raw))
	for i, r := range raw {
		if isNull(r) || json.Unmarshal(r, &l[i]) != nil {
			return nil, false
		}
	}
	return l, true
}

// intPair decodes e's value as [a, b].
func intPair(e *checker.Event, what, shape string) (a, b int64, err error) {
	p, ok := ints(e.Value)
	if !ok || len(p) != 2 {
		return 0, 0, fmt.Errorf("event %d: %s value must be %s, got %s", e.Index, what, shape, shown(e.Value))
	}
	return p[0], p[1], nil
}

// intList decodes e's value as a list of integers; null is the empty list
// (a Jepsen read of a key never written).
func intList(e *checker.Event, what string) ([]int64, error) {
	if isNull(e.Value) {
		return []int64{}, nil
	}
	l, ok := ints(e.Value)
	if !ok {
		return nil, fmt.Errorf("event %d: %s value must be a list of integers, got %s", e.Index, what, shown(e.Value))
	}
	return l, nil
}

// describeInts writes a list of integers as [1 2 3].
func describeInts(l []int64) string {
	return fmt.Sprint(l)
}

// hashInts hashes a list of integers (FNV-1a over their bytes).
func hashInts(l []int64) uint64 {
	h := uint64(14695981039346656037)
	for _, v := range l {
		for i := 0; i < 64; i += 8 {
			h ^= uint64(v>>i) & 0xff
			h *= 1099511628211
		}
	}
	return h
}

// sortedInts is a sorted copy of l.
func sortedInts(l []int64) []int64 {
	s := slices.Clone(l)
	slices.Sort(s)
	return s
}
