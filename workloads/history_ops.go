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
// takes (checker.Op), decoding each with decode. It pairs events as
// checker.History.Operations does, then:
//
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
	paired := h.Operations()
	ops := make([]checker.Op[I, O], 0, len(paired))
	for i := range paired {
		p := &paired[i]
		known := p.Type == checker.OK
		var done *checker.Event
		if known {
			done = p.Completion
		}
		in, out, read, err := decode(p.Invocation, done)
		if err != nil {
			return nil, &opError{invoked: p.Invocation.Index, err: err}
		}
		if p.Type == checker.Fail || !known && read {
			continue
		}
		inv := p.Invocation
		op := checker.Op[I, O]{
			Process: inv.Process, Key: inv.Key, F: inv.F, Value: inv.Value,
			Input: in, Output: out, Known: known,
			Call: inv.Time, Return: inv.Time, Invoke: inv.Index, Complete: -1,
		}
		if c := p.Completion; c != nil {
			op.Return, op.Complete = c.Time, c.Index
		}
		if known {
			op.Value = done.Value
		}
		ops = append(ops, op)
	}
	return ops, nil
}

// notA is the error for an operation that is not one of a workload's.
func notA(e *checker.Event, model, fs string) error {
	return fmt.Errorf("event %d: f=%q is not a %s operation (%s)", e.Index, e.F, model, fs)
}

// opError is an operation the model cannot read, with where it was
// invoked: of the errors of several keys checked apart, the one a check of
// the whole history gives is the earliest invoked (CheckModelByKey).
type opError struct {
	invoked int
	err     error
}

func (e *opError) Error() string { return e.err.Error() }
func (e *opError) Unwrap() error { return e.err }
