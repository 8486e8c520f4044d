package workloads

import (
	"fmt"
	"slices"
	"time"

	"raftcheck/checker"
)

// ListAppendInput is a list-append operation: F is "append" (of Value)
// or "list".
type ListAppendInput struct {
	F     string
	Value int64
}

// ListAppendModel is a list of integers that starts empty. An append adds
// Value at the end; list returns the whole list in append order. So every
// read must be a prefix of every later read, and a read that misses an
// append completed before it began cannot be linearized.
func ListAppendModel() checker.Model[[]int64, ListAppendInput, []int64] {
	appendTo := func(s []int64, v int64) []int64 {
		next := make([]int64, len(s)+1)
		copy(next, s)
		next[len(s)] = v
		return next
	}
	return checker.Model[[]int64, ListAppendInput, []int64]{
		Init: func() []int64 { return nil },
		Step: func(s []int64, in ListAppendInput, out []int64) (bool, []int64) {
			if in.F == "append" {
				return true, appendTo(s, in.Value)
			}
			return slices.Equal(s, out), s
		},
		StepInfo: func(s []int64, in ListAppendInput) []int64 {
			if in.F == "append" {
				return appendTo(s, in.Value)
			}
			return s
		},
		Equal: slices.Equal[[]int64],
		Hash:  hashInts,
		DescribeOperation: func(in ListAppendInput, out []int64, known bool) string {
			if in.F == "list" {
				return "list() -> " + describeInts(out)
			}
			if !known {
				return fmt.Sprintf("append(%d) -> ?", in.Value)
			}
			return fmt.Sprintf("append(%d)", in.Value)
		},
		DescribeState: describeInts,
	}
}

// ListAppendOps are a list-append history's operations (see historyOps for
// what is left out). Values are as our clients record them: an append's
// invocation holds the integer appended; a list completion the list, in
// append order (null: empty).
func ListAppendOps(h checker.History) ([]checker.Op[ListAppendInput, []int64], error) {
	return historyOps(h, decodeListAppend)
}

func decodeListAppend(inv, done *checker.Event) (in ListAppendInput, out []int64, read bool, err error) {
	in.F = inv.F
	switch inv.F {
	case "append":
		in.Value, err = intValue(inv, "append")
		return in, nil, false, err
	case "list":
		if done != nil {
			out, err = intList(done, "list")
		}
		return in, out, true, err
	}
	return in, nil, false, notA(inv, "list-append", "append, list")
}

// CheckListAppend checks that a list-append history is linearizable, key
// by key, within budget (see checker.CheckLinearizable).
func CheckListAppend(h checker.History, budget time.Duration) (*checker.Linearizability, error) {
	return checkListAppend(h, budget, nil)
}

func checkListAppend(h checker.History, budget time.Duration, w Witness) (*checker.Linearizability, error) {
	ops, err := ListAppendOps(h)
	if err != nil {
		return nil, err
	}
	ops = dropUnobservedInfo(ops, func(in ListAppendInput) (int64, bool) { return in.Value, in.F == "append" })
	attachWitness(w, ops)
	return checker.CheckLinearizable(ops, ListAppendModel(), budget), nil
}
