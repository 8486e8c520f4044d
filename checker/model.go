package checker

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/anishathalye/porcupine"
)

// Model is the sequential specification of one object (one key of a
// history), typed: S is the object's state, I an operation's input and O
// its output. CheckLinearizable checks a history against it.
//
// A Model describes a single key, never a map of keys: CheckLinearizable
// checks each key on its own. That is sound because keys are independent
// objects, and linearizability is local (Herlihy and Wing): a history is
// linearizable if and only if the sub-history of every object is. It is
// also what keeps checking tractable, since the search is exponential in
// the concurrency of one key, not of the whole history.
//
// Every function must be pure: the search keeps old states to return to,
// so Step and StepInfo must return a new state rather than change theirs.
type Model[S, I, O any] struct {
	// Init is the object's state before any operation.
	Init func() S
	// Step applies an operation whose output was observed (it completed
	// ok): it says whether the object, in state, could have answered out to
	// in, and the state that follows.
	Step func(state S, in I, out O) (ok bool, next S)
	// StepInfo applies an operation whose output was never observed (it
	// completed info, or not at all): the state that follows had it taken
	// effect in state. It cannot refuse, since nothing was observed to
	// contradict; an operation with a precondition that state does not meet
	// (a cas from another value) takes effect by doing nothing.
	//
	// One next state is enough although the operation may just as well
	// never have happened: an info operation never returns, so the search
	// is free to place it after every other operation of its key, where its
	// effect is seen by nobody, exactly as if it never happened. Required
	// if any operation is not Known.
	StepInfo func(state S, in I) S
	// Equal says whether two states are the same; nil means
	// reflect.DeepEqual. The search uses it to skip states it has seen.
	Equal func(a, b S) bool
	// Hash, optional, hashes a state; equal states must hash equally. It
	// saves the search most of its Equal calls.
	Hash func(state S) uint64
	// DescribeOperation, for reports, writes an operation as text, such as
	// "cas(1, 2)" or "read() -> 4"; known is false for an operation whose
	// output was never observed (out is then the zero value).
	DescribeOperation func(in I, out O, known bool) string
	// DescribeState, for reports, writes a state as text.
	DescribeState func(state S) string
}

// Op is one client operation of a history, ready for CheckLinearizable.
//
// An operation that completed fail is not an Op: it certainly did not
// happen, so it constrains nothing. An info operation is an Op with Known
// false: it may have taken effect at any time after its invocation, or
// never, so for checking it never returns (see Model.StepInfo). An info
// read may be left out altogether: it changes nothing, and its output is
// unknown, so there is nothing to check and it constrains nothing.
type Op[I, O any] struct {
	Process Process
	Key     string
	// F and Value are the operation's function and value as the history
	// recorded them (the completion's value when Known, the invocation's
	// otherwise), for reports only.
	F     string
	Value json.RawMessage
	Input I
	// Output is the observed output; it is meaningful only when Known.
	Output O
	// Known is true when the operation completed ok, false when its
	// outcome is unknown (info, or never completed).
	Known bool
	// Call is when the operation was invoked and Return when it completed,
	// in virtual nanoseconds. An operation that is not Known stays open for
	// checking whatever Return says; Return is then only shown in reports.
	Call, Return int64
	// Invoke and Complete are the history indexes of the invocation and of
	// the completion (-1 if the history ended first). Of two events at the
	// same Time, the one with the lower index happened first: checking
	// orders operations by (time, index), which is the history's real-time
	// order.
	Invoke, Complete int
	// Order, optional, is where the system under test says it applied the
	// operation: operations of a key sorted by Order (ties by invocation)
	// are the linearization it claims. Zero means it did not say. The
	// claim is never trusted, only verified (see CheckLinearizable).
	Order uint64
}

// linOp is what the porcupine side of a check knows of an Op: its record
// for reports and how to step it. Porcupine sees only *linOp inputs.
type linOp struct {
	rec      opRecord
	step     func(state any) (bool, any)
	describe func() string
}

// opRecord is an Op without its typed input and output.
type opRecord struct {
	Process          Process
	Key, F           string
	Value            json.RawMessage
	Known            bool
	Call, Return     int64
	Invoke, Complete int
	Order            uint64
}

func (r *opRecord) String() string {
	return fmt.Sprintf("%s by process %v (events %d-%d)", r.F, r.Process, r.Invoke, r.Complete)
}

// porcupineModel is m with states boxed in interfaces, for porcupine. Its
// inputs are *linOp; outputs are unused (a linOp carries its own).
func porcupineModel[S, I, O any](m Model[S, I, O]) porcupine.Model {
	if m.Init == nil || m.Step == nil {
		panic("checker: a Model needs Init and Step")
	}
	equal := func(a, b any) bool { return reflect.DeepEqual(a, b) }
	if m.Equal != nil {
		equal = func(a, b any) bool { return m.Equal(a.(S), b.(S)) }
	}
	var hash func(any) uint64
	if m.Hash != nil {
		hash = func(s any) uint64 { return m.Hash(s.(S)) }
	}
	describeState := func(s any) string { return fmt.Sprintf("%v", s) }
	if m.DescribeState != nil {
		describeState = func(s any) string { return m.DescribeState(s.(S)) }
	}
	return porcupine.Model{
		Init: func() any { return m.Init() },
		Step: func(state, in, _ any) (bool, any) {
			return in.(*linOp).step(state)
		},
		Equal:             equal,
		Hash:              hash,
		DescribeOperation: func(in, _ any) string { return in.(*linOp).describe() },
		DescribeState:     describeState,
	}
}

// newLinOp binds op to m.
func newLinOp[S, I, O any](m Model[S, I, O], op *Op[I, O]) *linOp {
	l := &linOp{rec: opRecord{
		Process: op.Process, Key: op.Key, F: op.F, Value: op.Value, Known: op.Known,
		Call: op.Call, Return: op.Return, Invoke: op.Invoke, Complete: op.Complete,
		Order: op.Order,
	}}
	if op.Known {
		l.step = func(state any) (bool, any) {
			ok, next := m.Step(state.(S), op.Input, op.Output)
			return ok, next
		}
	} else {
		if m.StepInfo == nil {
			panic("checker: an operation's output is unknown (info) but the Model has no StepInfo")
		}
		l.step = func(state any) (bool, any) { return true, m.StepInfo(state.(S), op.Input) }
	}
	l.describe = func() string {
		if m.DescribeOperation != nil {
			return m.DescribeOperation(op.Input, op.Output, op.Known)
		}
		if !op.Known {
			return fmt.Sprintf("%s %v -> ?", op.F, op.Input)
		}
		return fmt.Sprintf("%s %v -> %v", op.F, op.Input, op.Output)
	}
	return l
}
