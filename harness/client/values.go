package client

import (
	"encoding/json"

	"raftcheck/checker"
	"raftcheck/harness/kv"
)

// invokeValue is what an invocation records as its value: what the
// operation writes, or null for reads and increments.
func invokeValue(op kv.Op) json.RawMessage {
	switch op.F {
	case kv.FWrite, kv.FAdd, kv.FAppend:
		return checker.Value(op.Value)
	case kv.FCas:
		return checker.Value([2]int64{op.Old, op.Value})
	}
	return checker.Value(nil)
}

// completionValue is what an ok completion records: what a read returned,
// the counter's new value for an increment, or the invocation's value.
func completionValue(op kv.Op, r kv.Result) json.RawMessage {
	switch op.F {
	case kv.FRead:
		if !r.Present {
			return checker.Value(nil)
		}
		return checker.Value(r.Value)
	case kv.FIncr, kv.FCount:
		return checker.Value(r.Value)
	case kv.FMembers, kv.FList:
		if r.List == nil {
			return checker.Value([]int64{})
		}
		return checker.Value(r.List)
	}
	return invokeValue(op)
}
