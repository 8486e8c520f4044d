package run

import (
	"raftcheck/checker"
	"raftcheck/harness/client"
	"raftcheck/harness/kv"
	"raftcheck/workloads"
)

// witnessLog gathers the order in which the service applied the clients'
// operations: a command's place is the log index at which the log's first
// replica applied it, a read's the applied index at which the server that
// answered the client read it. Read at applied index a, a read goes after
// the command at a and before the one at a+1. That is the linearization a
// correct service has, and checking it takes one pass where the search can
// take gigabytes (workloads.Witness); a wrong one costs nothing, since the
// check verifies it and falls back to the search.
type witnessLog struct {
	invokes map[opName]int // a command's invocation in the history
	names   map[int]opName // and back
	applied map[opName]uint64
	reads   workloads.Witness
}

// opName is how the servers name a client operation.
type opName struct{ session, seq uint64 }

// named ties an operation of the history to its name.
func (w *witnessLog) named(invoke int, session, seq uint64) {
	if w.invokes == nil {
		w.invokes, w.names = map[opName]int{}, map[int]opName{}
	}
	w.invokes[opName{session, seq}] = invoke
	w.names[invoke] = opName{session, seq}
}

// command takes the first replica's outcome of the command at index. A
// retry answered from the session changes nothing and keeps the first
// place; a command refused (stale, expired) was never applied.
func (w *witnessLog) command(index uint64, out kv.Outcome) {
	if out.Kind != kv.CmdOp || out.Status != kv.StatusOK && out.Status != kv.StatusFail {
		return
	}
	if w.applied == nil {
		w.applied = map[opName]uint64{}
	}
	n := opName{out.Session, out.Seq}
	if _, named := w.invokes[n]; !named {
		// Not a client operation of the history, or one whose key was
		// checked and evicted (an info operation applied after its
		// client gave up): no place to keep.
		return
	}
	if _, seen := w.applied[n]; !seen {
		w.applied[n] = 2 * index
	}
}

// completed takes a client's completion: for a read answered without the
// log, where the answer was read.
func (w *witnessLog) completed(done client.Completion) {
	if !done.Read {
		return
	}
	if w.reads == nil {
		w.reads = workloads.Witness{}
	}
	w.reads[done.Invoke] = 2*done.ReadApplied + 1
}

// witness is the claimed order, by invocation.
func (w *witnessLog) witness() workloads.Witness {
	out := make(workloads.Witness, len(w.applied)+len(w.reads))
	for n, at := range w.applied {
		if inv, ok := w.invokes[n]; ok {
			out[inv] = at
		}
	}
	for inv, at := range w.reads {
		out[inv] = at
	}
	return out
}

// forKey is the claimed order of one key's events, by invocation.
func (w *witnessLog) forKey(h checker.History) workloads.Witness {
	out := workloads.Witness{}
	for i := range h {
		if h[i].Type != checker.Invoke {
			continue
		}
		inv := h[i].Index
		if n, ok := w.names[inv]; ok {
			if at, ok := w.applied[n]; ok {
				out[inv] = at
			}
		}
		if at, ok := w.reads[inv]; ok {
			out[inv] = at
		}
	}
	return out
}

// forget drops what the log holds of a key's events, once they are
// evicted.
func (w *witnessLog) forget(h checker.History) {
	for i := range h {
		if h[i].Type != checker.Invoke {
			continue
		}
		inv := h[i].Index
		if n, ok := w.names[inv]; ok {
			delete(w.invokes, n)
			delete(w.applied, n)
			delete(w.names, inv)
		}
		delete(w.reads, inv)
	}
}
