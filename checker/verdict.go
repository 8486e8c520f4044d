package checker

import (
	"encoding/json"
	"fmt"
)

// Validity is a three-valued verdict: true, false, or unknown (a check ran
// out of time or budget). It is written to JSON as true, false or
// "unknown".
type Validity int8

// The verdicts, ordered so that merging takes the worst.
const (
	Valid   Validity = 1
	Unknown Validity = 0
	Invalid Validity = -1
)

// Merge is the verdict of several checks: false beats unknown beats true.
func Merge(vs ...Validity) Validity {
	out := Valid
	for _, v := range vs {
		if v < out {
			out = v
		}
	}
	return out
}

func (v Validity) String() string {
	switch v {
	case Valid:
		return "true"
	case Invalid:
		return "false"
	}
	return "unknown"
}

// MarshalJSON writes true, false or "unknown".
func (v Validity) MarshalJSON() ([]byte, error) {
	switch v {
	case Valid:
		return []byte("true"), nil
	case Invalid:
		return []byte("false"), nil
	}
	return []byte(`"unknown"`), nil
}

// UnmarshalJSON reads true, false or "unknown".
func (v *Validity) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "true":
		*v = Valid
	case "false":
		*v = Invalid
	case `"unknown"`:
		*v = Unknown
	default:
		return fmt.Errorf("validity must be true, false or \"unknown\", got %s", b)
	}
	return nil
}

// ExitCode is the command-line exit code of a verdict (DESIGN §7): 0 valid,
// 1 invalid, 2 unknown.
func (v Validity) ExitCode() int {
	switch v {
	case Valid:
		return 0
	case Invalid:
		return 1
	}
	return 2
}

// Result is one checker's verdict with what it found. Summary is one
// human line; Details is the checker's own structure (lost elements,
// out-of-bounds reads, the first illegal operation...), written as JSON
// under the checker's name in results.json.
type Result struct {
	Valid   Validity `json:"valid"`
	Summary string   `json:"summary,omitempty"`
	Details any      `json:"details,omitempty"`
	// BudgetExhausted marks an unknown that comes from a wall-clock
	// budget running out: on a faster or idler machine the same history
	// may be decided, so it says nothing of the system under test.
	BudgetExhausted bool `json:"budget_exhausted,omitempty"`
}

// Results are the verdicts of a run's checkers by name.
type Results map[string]Result

// Valid merges every checker's verdict.
func (rs Results) Valid() Validity {
	out := Valid
	for _, r := range rs {
		out = Merge(out, r.Valid)
	}
	return out
}

// UndecidedByBudget reports whether the merged verdict is unknown only
// because budgets ran out: no checker is invalid, and every unknown one
// is BudgetExhausted.
func (rs Results) UndecidedByBudget() bool {
	if rs.Valid() != Unknown {
		return false
	}
	for _, r := range rs {
		if r.Valid == Unknown && !r.BudgetExhausted {
			return false
		}
	}
	return true
}

var _ json.Marshaler = Validity(0)
