package workloads

import (
	"fmt"
	"time"

	"raftcheck/checker"
)

// CounterInput is a counter operation: F is "incr" or Jepsen's "add" (by
// Delta), or "count" (Jepsen's "read", which decodes as "count").
type CounterInput struct {
	F     string
	Delta int64
}

// CounterModel is a counter that starts at zero. An incr adds Delta and
// returns the new value (like incrementAndGet); Jepsen's add adds Delta
// and returns nothing of the counter; a count returns the value. So two
// increments that return the same value, or a count that goes backwards,
// cannot be linearized.
func CounterModel() checker.Model[int64, CounterInput, int64] {
	return checker.Model[int64, CounterInput, int64]{
		Init: func() int64 { return 0 },
		Step: func(s int64, in CounterInput, out int64) (bool, int64) {
			switch in.F {
			case "incr":
				return out == s+in.Delta, s + in.Delta
			case "add":
				return true, s + in.Delta
			}
			return out == s, s
		},
		StepInfo: func(s int64, in CounterInput) int64 {
			if in.F != "count" {
				return s + in.Delta
			}
			return s
		},
		Equal: func(a, b int64) bool { return a == b },
		Hash:  func(s int64) uint64 { return uint64(s) },
		DescribeOperation: func(in CounterInput, out int64, known bool) string {
			d := in.F + "()"
			if (in.F == "incr" && in.Delta != 1) || in.F == "add" {
				d = fmt.Sprintf("%s(%d)", in.F, in.Delta)
			}
			switch {
			case !known:
				return d + " -> ?"
			case in.F == "add":
				return d
			}
			return fmt.Sprintf("%s -> %d", d, out)
		},
		DescribeState: func(s int64) string { return fmt.Sprint(s) },
	}
}

// CounterOps are a counter history's operations (see historyOps for what
// is left out). Values are as our clients record them: an incr's
// invocation holds null (an increment by one; an integer is taken as the
// increment) and its completion the counter's new value; a count's
// completion holds the value.
func CounterOps(h checker.History) ([]checker.Op[CounterInput, int64], error) {
	return historyOps(h, decodeCounter)
}

func decodeCounter(inv, done *checker.Event) (in CounterInput, out int64, read bool, err error) {
	in.F = inv.F
	switch inv.F {
	case "incr":
		in.Delta = 1
		if !isNull(inv.Value) {
			if in.Delta, err = intValue(inv, "incr"); err != nil {
				return in, 0, false, fmt.Errorf("event %d: incr value must be null or an integer increment, got %s", inv.Index, shown(inv.Value))
			}
		}
		if done != nil {
			out, err = intValue(done, "incr")
		}
		return in, out, false, err
	case "add":
		// Jepsen's: the amount is the invocation's value, and the ok
		// value echoes it.
		if in.Delta, err = intValue(inv, "add"); err != nil {
			return in, 0, false, fmt.Errorf("event %d: add value must be an integer amount, got %s", inv.Index, shown(inv.Value))
		}
		return in, 0, false, nil
	case "count", "read":
		in.F = "count"
		if done != nil {
			out, err = intValue(done, inv.F)
		}
		return in, out, true, err
	}
	return in, 0, false, notA(inv, "counter", "incr, count, or Jepsen's add, read")
}

// CheckCounter checks that a counter history is linearizable, key by key,
// within budget (see checker.CheckLinearizable).
func CheckCounter(h checker.History, budget time.Duration) (*checker.Linearizability, error) {
	return checkCounter(h, budget, nil)
}

func checkCounter(h checker.History, budget time.Duration, w Witness) (*checker.Linearizability, error) {
	ops, err := CounterOps(h)
	if err != nil {
		return nil, err
	}
	attachWitness(w, ops)
	return checker.CheckLinearizable(ops, CounterModel(), budget), nil
}
