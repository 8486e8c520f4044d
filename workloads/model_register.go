package workloads

import (
	"fmt"
	"time"

	"raftcheck/checker"
)

// RegisterInput is a register operation: F is "read", "write" (of Value)
// or "cas" (from Old to Value).
type RegisterInput struct {
	F          string
	Old, Value int64
}

// RegisterValue is a register's content, and what a read returns: Present
// is false until the first write.
type RegisterValue struct {
	Value   int64
	Present bool
}

func (v RegisterValue) String() string {
	if !v.Present {
		return "nil"
	}
	return fmt.Sprint(v.Value)
}

// RegisterSemantics says what a register holds before its first write
// and what a read of nil means. The zero value is this project's own: a
// register starts empty, and a nil read says it is empty.
type RegisterSemantics struct {
	// Initial is what every key's register holds at the start.
	Initial RegisterValue
	// NilReadsAny makes a read that returned nil match whatever the
	// register holds, as in Knossos's histories, where a nil read is one
	// whose value was not seen. Without it a nil read says the register
	// holds nothing.
	NilReadsAny bool
}

// RegisterModel is a compare-and-set register that starts empty. A write
// sets it; a cas sets it to Value if it holds Old, and otherwise fails
// (so a cas that completed ok must have found Old; one that completed fail
// is not checked: it did nothing). A read returns its content.
func RegisterModel() checker.Model[RegisterValue, RegisterInput, RegisterValue] {
	return RegisterModelWith(RegisterSemantics{})
}

// RegisterModelWith is RegisterModel with the given start and nil reads.
func RegisterModelWith(sem RegisterSemantics) checker.Model[RegisterValue, RegisterInput, RegisterValue] {
	return checker.Model[RegisterValue, RegisterInput, RegisterValue]{
		Init: func() RegisterValue { return sem.Initial },
		Step: func(s RegisterValue, in RegisterInput, out RegisterValue) (bool, RegisterValue) {
			switch in.F {
			case "read":
				return out == s || (sem.NilReadsAny && !out.Present), s
			case "cas":
				if !s.Present || s.Value != in.Old {
					return false, s
				}
			}
			return true, RegisterValue{Value: in.Value, Present: true}
		},
		// An info cas that finds Old sets Value; one that does not does
		// nothing. Had it not happened at all, the check places it last.
		StepInfo: func(s RegisterValue, in RegisterInput) RegisterValue {
			switch in.F {
			case "read":
				return s
			case "cas":
				if !s.Present || s.Value != in.Old {
					return s
				}
			}
			return RegisterValue{Value: in.Value, Present: true}
		},
		Equal: func(a, b RegisterValue) bool { return a == b },
		Hash: func(s RegisterValue) uint64 {
			if !s.Present {
				return 0
			}
			return uint64(s.Value)*0x9e3779b97f4a7c15 + 1
		},
		DescribeOperation: func(in RegisterInput, out RegisterValue, known bool) string {
			var d string
			switch in.F {
			case "read":
				return "read() -> " + out.String()
			case "write":
				d = fmt.Sprintf("write(%d)", in.Value)
			default:
				d = fmt.Sprintf("cas(%d, %d)", in.Old, in.Value)
			}
			if !known {
				d += " -> ?"
			}
			return d
		},
		DescribeState: RegisterValue.String,
	}
}

// RegisterOps are a register history's operations (see historyOps for
// what is left out). Values are as our clients record them: a read's
// completion holds an integer, or null before the first write; a write's
// invocation the integer written; a cas's invocation [old, new].
func RegisterOps(h checker.History) ([]checker.Op[RegisterInput, RegisterValue], error) {
	return historyOps(h, decodeRegister)
}

func decodeRegister(inv, done *checker.Event) (in RegisterInput, out RegisterValue, read bool, err error) {
	in.F = inv.F
	switch inv.F {
	case "read":
		if done != nil {
			out.Value, out.Present, err = optionalInt(done, "read")
		}
		return in, out, true, err
	case "write":
		in.Value, err = intValue(inv, "write")
	case "cas":
		in.Old, in.Value, err = intPair(inv, "cas", "[old, new]")
	default:
		err = notA(inv, "register", "read, write, cas")
	}
	return in, out, false, err
}

// CheckRegister checks that a register history is linearizable, key by
// key, within budget (see checker.CheckLinearizable).
func CheckRegister(h checker.History, budget time.Duration) (*checker.Linearizability, error) {
	return checkRegister(h, budget, nil)
}

func checkRegister(h checker.History, budget time.Duration, w Witness) (*checker.Linearizability, error) {
	return checkRegisterWith(h, budget, w, RegisterSemantics{})
}

func checkRegisterWith(h checker.History, budget time.Duration, w Witness, sem RegisterSemantics) (*checker.Linearizability, error) {
	ops, err := RegisterOps(h)
	if err != nil {
		return nil, err
	}
	attachWitness(w, ops)
	return checker.CheckLinearizable(ops, RegisterModelWith(sem), budget), nil
}
