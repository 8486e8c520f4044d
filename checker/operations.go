package checker

// Operation is one client operation of a history: an invocation paired with
// the event that completed it, if any. History.Operations makes them; stats,
// perf, the workload checkers, the report and the workloads' Op builders
// all read a history through it, so that they agree on what an operation is
// and on how it ended.
type Operation struct {
	// Invocation is the invoke event. Completion is the ok, fail or info
	// event that completed it, or nil if it never completed. Both point into
	// the history the operation was paired from.
	Invocation, Completion *Event
	// Type is how the operation ended: OK, Fail or Info. An operation that
	// never completed is Info, as in Jepsen: its outcome is unknown, so it
	// may have taken effect at any time after its invocation, or never.
	// Completed tells it from one that completed info.
	Type Type
	// InvokePos and CompletePos are the events' positions in the history
	// slice; CompletePos is -1 if the operation never completed. The
	// history is in real-time order, so "a completed before b was invoked"
	// is a.CompletePos < b.InvokePos. Positions are not Event.Index: the
	// two agree in a history this project wrote, but one written elsewhere
	// may number its events otherwise.
	InvokePos, CompletePos int
}

// Completed reports whether the history holds the operation's completion.
func (o *Operation) Completed() bool { return o.Completion != nil }

// Start is when the operation was invoked, in virtual ns.
func (o *Operation) Start() int64 { return o.Invocation.Time }

// End is when the operation completed, in virtual ns, or end if it never
// did: it stays open, concurrent with everything after its invocation,
// until the history (or whatever end the caller draws to) is over.
func (o *Operation) End(end int64) int64 {
	if o.Completion == nil {
		return end
	}
	return o.Completion.Time
}

// Latency is the time from invocation to completion, in virtual ns; false
// if the operation never completed, so has no latency. An info operation's
// latency is how long its client waited before giving up.
func (o *Operation) Latency() (int64, bool) {
	if o.Completion == nil {
		return 0, false
	}
	return o.Completion.Time - o.Invocation.Time, true
}

// Operations pairs every client invocation of the history with its
// completion, and returns the operations in invocation order. The rules,
// Jepsen's:
//
//   - nemesis events are not operations, and are skipped;
//   - a completion (ok, fail or info) completes its process's outstanding
//     invocation; one with no outstanding invocation is ignored;
//   - an invocation on a process that is still busy leaves the earlier
//     operation never completed: the process gave up on it, so its outcome
//     is unknown (Info);
//   - an operation still outstanding when the history ends never completed
//     either, and is Info.
//
// It does not require the history to be valid (Validate checks that) and
// does not compare a completion's f with its invocation's; an event whose
// type is none of invoke, ok, fail or info is ignored. The slice is
// allocated once, at its exact length; the operations point into h.
func (h History) Operations() []Operation {
	n := 0
	for i := range h {
		if h[i].Process != Nemesis && h[i].Type == Invoke {
			n++
		}
	}
	ops := make([]Operation, 0, n)
	open := make(map[Process]int) // process -> its outstanding operation in ops
	for i := range h {
		e := &h[i]
		if e.Process == Nemesis {
			continue
		}
		switch e.Type {
		case Invoke:
			open[e.Process] = len(ops)
			ops = append(ops, Operation{Invocation: e, Type: Info, InvokePos: i, CompletePos: -1})
		case OK, Fail, Info:
			at, busy := open[e.Process]
			if !busy {
				continue
			}
			delete(open, e.Process)
			o := &ops[at]
			o.Completion, o.Type, o.CompletePos = e, e.Type, i
		}
	}
	return ops
}
