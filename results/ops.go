package results

import (
	"encoding/json"
	"time"

	"raftcheck/checker"
)

// op is a client operation of the history as the report draws it: an
// invocation and its completion, if any.
type op struct {
	Process checker.Process
	F, Key  string
	// Value is the completion's value when the operation completed ok (a
	// read's result), else the invocation's.
	Value json.RawMessage
	// Type is ok, fail or info; "" for an operation the history never
	// completed.
	Type checker.Type
	// Start and End are virtual ns; End is -1 when it never completed.
	Start, End int64
	// Invoke and Complete are history indexes; Complete is -1 when it
	// never completed.
	Invoke, Complete int
}

func (o *op) completed() bool { return o.Complete >= 0 }

// latency is the operation's duration in virtual ns; -1 if it never
// completed.
func (o *op) latency() int64 {
	if !o.completed() {
		return -1
	}
	return o.End - o.Start
}

// outcome names how the operation ended, for CSS classes and legends:
// ok, fail, info, or open (never completed, so as unknown as info).
func (o *op) outcome() string {
	if o.Type == "" {
		return "open"
	}
	return string(o.Type)
}

// pairOps pairs the history's client events into operations, in
// invocation order. Nemesis events are not operations. A completion
// without an invocation (a malformed history) is skipped: the report shows
// what it can.
func pairOps(h checker.History) []op {
	ops := make([]op, 0, len(h)/2+1)
	open := map[checker.Process]int{}
	for i := range h {
		e := &h[i]
		switch {
		case e.Process == checker.Nemesis:
		case e.Type == checker.Invoke:
			open[e.Process] = len(ops)
			ops = append(ops, op{Process: e.Process, F: e.F, Key: e.Key, Value: e.Value, Start: e.Time, End: -1, Invoke: e.Index, Complete: -1})
		default:
			at, ok := open[e.Process]
			if !ok {
				continue
			}
			delete(open, e.Process)
			o := &ops[at]
			o.Type, o.End, o.Complete = e.Type, e.Time, e.Index
			if e.Type == checker.OK && len(e.Value) > 0 && string(e.Value) != "null" {
				o.Value = e.Value
			}
		}
	}
	return ops
}

// simEnd is the latest virtual time the report draws: the run's end, or
// the history's last event if that is later.
func simEnd(r *Run, h checker.History) int64 {
	end := int64(r.SimSeconds * 1e9)
	if len(h) > 0 {
		end = max(end, h[len(h)-1].Time)
	}
	return max(end, int64(time.Millisecond))
}
