package workloads

import (
	"fmt"

	"raftcheck/checker"
)

// decodeFunc decodes one client operation of a workload: its input from
// the invocation, and its output from done, the ok completion, or nil
// when the output was never observed. read says the operation changes
// nothing, so that with an unknown output it can be left out.
type decodeFunc[I, O any] func(inv, done *checker.Event) (in I, out O, read bool, err error)

// historyOps turns a history into the operations a linearizability check
// takes (checker.Op), decoding each with decode:
//
//   - nemesis events are skipped;
//   - an operation that completed fail certainly did not happen, and is
//     left out (its values are still checked);
//   - an operation that completed info, or not at all before the history
//     ended, has an unknown outcome: a read is left out (it changed
//     nothing, and there is nothing to check), anything else is kept with
//     Known false;
//   - an operation that completed ok is kept with its output.
//
// The history must be well formed (checker.History.Validate).
func historyOps[I, O any](h checker.History, decode decodeFunc[I, O]) ([]checker.Op[I, O], error) {
	if err := h.Validate(); err != nil {
		return nil, err
	}
	type pending struct{ inv, done *checker.Event }
	var all []pending
	open := map[checker.Process]int{} // process -> its operation in all
	for i := range h {
		e := &h[i]
		switch {
		case e.Process == checker.Nemesis:
		case e.Type == checker.Invoke:
			open[e.Process] = len(all)
			all = append(all, pending{inv: e})
		default:
			all[open[e.Process]].done = e
			delete(open, e.Process)
		}
	}
	ops := make([]checker.Op[I, O], 0, len(all))
	for _, p := range all {
		known := p.done != nil && p.done.Type == checker.OK
		var done *checker.Event
		if known {
			done = p.done
		}
		in, out, read, err := decode(p.inv, done)
		if err != nil {
			return nil, err
		}
		if p.done != nil && p.done.Type == checker.Fail || !known && read {
			continue
		}
		op := checker.Op[I, O]{
			Process: p.inv.Process, Key: p.inv.Key, F: p.inv.F, Value: p.inv.Value,
			Input: in, Output: out, Known: known,
			Call: p.inv.Time, Return: p.inv.Time, Invoke: p.inv.Index, Complete: -1,
		}
		if p.done != nil {
			op.Return, op.Complete = p.done.Time, p.done.Index
		}
		if known {
			op.Value = p.done.Value
		}
		ops = append(ops, op)
	}
	return ops, nil
}

// notA is the error for an operation that is not one of a workload's.
func notA(e *checker.Event, model, fs string) error {
	return fmt.Errorf("event %d: f=%q is not a %s operation (%s)", e.Index, e.F, model, fs)
}
