package workloads

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"raftcheck/checker"
)

// SetInput is a set operation: F is "add" (of Value) or "members" (Jepsen's
// "read", which decodes as "members").
type SetInput struct {
	F     string
	Value int64
}

// SetModel is a set of integers that starts empty, its state the sorted
// elements. An add inserts Value; members returns every element, in
// ascending order. So a members read that misses an add which completed
// before the read began, or that loses an element an earlier read saw,
// cannot be linearized.
func SetModel() checker.Model[[]int64, SetInput, []int64] {
	add := func(s []int64, v int64) []int64 {
		i, found := slices.BinarySearch(s, v)
		if found {
			return s
		}
		next := make([]int64, len(s)+1)
		copy(next, s[:i])
		next[i] = v
		copy(next[i+1:], s[i:])
		return next
	}
	return checker.Model[[]int64, SetInput, []int64]{
		Init: func() []int64 { return nil },
		Step: func(s []int64, in SetInput, out []int64) (bool, []int64) {
			if in.F == "add" {
				return true, add(s, in.Value)
			}
			return slices.Equal(s, out), s
		},
		StepInfo: func(s []int64, in SetInput) []int64 {
			if in.F == "add" {
				return add(s, in.Value)
			}
			return s
		},
		Equal: slices.Equal[[]int64],
		Hash:  hashInts,
		DescribeOperation: func(in SetInput, out []int64, known bool) string {
			if in.F == "members" {
				return "members() -> " + describeSet(out)
			}
			if !known {
				return fmt.Sprintf("add(%d) -> ?", in.Value)
			}
			return fmt.Sprintf("add(%d)", in.Value)
		},
		DescribeState: describeSet,
	}
}

func describeSet(s []int64) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range s {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprint(&b, v)
	}
	b.WriteByte('}')
	return b.String()
}

// SetOps are a set history's operations (see historyOps for what is left
// out). Values are as our clients record them: an add's invocation holds
// the integer added; a members completion the elements, a list of
// integers (null: none). A members list is compared as a sorted list, so a
// duplicate in it cannot be linearized.
func SetOps(h checker.History) ([]checker.Op[SetInput, []int64], error) {
	return historyOps(h, decodeSet)
}

func decodeSet(inv, done *checker.Event) (in SetInput, out []int64, read bool, err error) {
	in.F = inv.F
	switch inv.F {
	case "add":
		in.Value, err = intValue(inv, "add")
		return in, nil, false, err
	case "members", "read":
		// Jepsen's set reads with :read.
		in.F = "members"
		if done != nil {
			out, err = intList(done, inv.F)
		}
		return in, sortedInts(out), true, err
	}
	return in, nil, false, notA(inv, "set", "add, members (Jepsen's read)")
}

// CheckSet checks that a set history is linearizable, key by key, within
// budget (see checker.CheckLinearizable).
func CheckSet(h checker.History, budget time.Duration) (*checker.Linearizability, error) {
	return checkSet(h, budget, nil)
}

func checkSet(h checker.History, budget time.Duration, w Witness) (*checker.Linearizability, error) {
	ops, err := SetOps(h)
	if err != nil {
		return nil, err
	}
	ops = dropUnobservedInfo(ops, func(in SetInput) (int64, bool) { return in.Value, in.F == "add" })
	attachWitness(w, ops)
	return checker.CheckLinearizable(ops, SetModel(), budget), nil
}
