package checker_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
)

// A register of ints for testing the generic check: an input writes
// (write true) or reads; a read's output is the value, 0 before any write.
type regIn struct {
	write bool
	v     int
}

var regModel = checker.Model[int, regIn, int]{
	Init: func() int { return 0 },
	Step: func(s int, in regIn, out int) (bool, int) {
		if in.write {
			return true, in.v
		}
		return out == s, s
	},
	StepInfo: func(s int, in regIn) int {
		if in.write {
			return in.v
		}
		return s
	},
	Equal: func(a, b int) bool { return a == b },
	DescribeOperation: func(in regIn, out int, known bool) string {
		if in.write {
			if !known {
				return fmt.Sprintf("write(%d) -> ?", in.v)
			}
			return fmt.Sprintf("write(%d)", in.v)
		}
		return fmt.Sprintf("read() -> %d", out)
	},
	DescribeState: func(s int) string { return fmt.Sprint(s) },
}

// w and r build operations of process p on key, invoked at call and
// completed at ret; the history indexes are the times unless set.
func w(p int, key string, v, call, ret int) checker.Op[regIn, int] {
	return checker.Op[regIn, int]{
		Process: checker.Process(p), Key: key, F: "write", Value: checker.Value(v),
		Input: regIn{write: true, v: v}, Known: true,
		Call: int64(call), Return: int64(ret), Invoke: call, Complete: ret,
	}
}

func r(p int, key string, v, call, ret int) checker.Op[regIn, int] {
	return checker.Op[regIn, int]{
		Process: checker.Process(p), Key: key, F: "read", Value: checker.Value(v),
		Input: regIn{}, Output: v, Known: true,
		Call: int64(call), Return: int64(ret), Invoke: call, Complete: ret,
	}
}

func info(op checker.Op[regIn, int]) checker.Op[regIn, int] {
	op.Known = false
	return op
}

func at(op checker.Op[regIn, int], invoke, complete int) checker.Op[regIn, int] {
	op.Invoke, op.Complete = invoke, complete
	return op
}

type regOps = []checker.Op[regIn, int]

func TestCheckLinearizableVerdicts(t *testing.T) {
	tests := []struct {
		name string
		ops  regOps
		want checker.Validity
	}{
		{"no operations", nil, checker.Valid},
		{"write then read", regOps{w(0, "", 1, 0, 10), r(0, "", 1, 20, 30)}, checker.Valid},
		{"read before any write", regOps{r(0, "", 0, 0, 10), w(0, "", 1, 20, 30)}, checker.Valid},
		{"stale read", regOps{w(0, "", 1, 0, 10), w(1, "", 2, 20, 30), r(0, "", 1, 40, 50)}, checker.Invalid},
		{"concurrent read sees the old value", regOps{w(0, "", 1, 0, 10), w(1, "", 2, 20, 50), r(0, "", 1, 30, 40)}, checker.Valid},
		{"concurrent read sees the new value", regOps{w(0, "", 1, 0, 10), w(1, "", 2, 20, 50), r(0, "", 2, 30, 40)}, checker.Valid},
		{"read goes back", regOps{w(0, "", 1, 0, 10), w(1, "", 2, 20, 90), r(0, "", 2, 30, 40), r(0, "", 1, 50, 60)}, checker.Invalid},
		{"info write seen long after it timed out", regOps{info(w(0, "", 1, 0, 10)), r(1, "", 1, 100, 110)}, checker.Valid},
		{"info write never seen", regOps{info(w(0, "", 1, 0, 10)), r(1, "", 0, 100, 110), r(1, "", 0, 200, 210)}, checker.Valid},
		{"info write seen, then overwritten", regOps{info(w(0, "", 5, 0, 10)), w(1, "", 1, 20, 30), r(1, "", 1, 40, 50)}, checker.Valid},
		{"info write seen after a later write", regOps{w(1, "", 1, 0, 10), info(w(0, "", 5, 20, 30)), w(1, "", 2, 40, 50), r(1, "", 5, 60, 70)}, checker.Valid},
		{"info write seen before its invocation", regOps{r(1, "", 5, 0, 10), info(w(0, "", 5, 20, 30))}, checker.Invalid},
		{"keys are independent", regOps{w(0, "a", 1, 0, 10), r(1, "b", 0, 20, 30), r(1, "a", 1, 40, 50)}, checker.Valid},
		{"a stale key among valid ones", regOps{w(0, "a", 1, 0, 10), w(0, "b", 1, 20, 30), w(0, "b", 2, 40, 50), r(1, "a", 1, 60, 70), r(1, "b", 1, 80, 90)}, checker.Invalid},
		// Equal times: the history index decides the order.
		{"completion recorded before an invocation at the same time", regOps{at(w(0, "", 1, 10, 10), 0, 1), at(r(1, "", 0, 10, 20), 2, 3)}, checker.Invalid},
		{"invocation recorded before a completion at the same time", regOps{at(w(0, "", 1, 10, 10), 0, 2), at(r(1, "", 0, 10, 20), 1, 3)}, checker.Valid},
		// Without indexes, equal times are concurrent (closed intervals).
		{"equal times without indexes", regOps{at(w(0, "", 1, 0, 10), 0, 0), at(r(1, "", 0, 10, 20), 0, 0)}, checker.Valid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lin := checker.CheckLinearizable(tc.ops, regModel, 10*time.Second)
			res := lin.Result()
			assert.Equal(t, tc.want, res.Valid, res.Summary)
			assert.Equal(t, tc.want, lin.Valid())
		})
	}
}

func TestLinearizabilityDetailsNameTheFirstIllegalOperation(t *testing.T) {
	ops := regOps{
		w(0, "a", 1, 0, 10), w(1, "b", 1, 1, 11),
		w(0, "b", 2, 20, 30),
		info(w(2, "a", 9, 25, 26)),
		r(1, "b", 1, 40, 50), // stale: b is 2
		r(3, "a", 7, 45, 60), // never written
		r(1, "b", 2, 70, 80),
	}
	lin := checker.CheckLinearizable(ops, regModel, 0)
	res := lin.Result()
	require.Equal(t, checker.Invalid, res.Valid)
	d, ok := res.Details.(checker.LinearizabilityDetails)
	require.True(t, ok)
	assert.Equal(t, 7, d.Ops)
	assert.Equal(t, 1, d.InfoOps)
	assert.Equal(t, 2, d.Keys)
	assert.Equal(t, 2, d.InvalidKeyCount)
	assert.Equal(t, []string{"b", "a"}, d.InvalidKeys, "earliest failure first")
	assert.Equal(t, "none", d.Budget)
	require.Len(t, d.Failures, 2)

	b := d.Failures[0]
	assert.Equal(t, "b", b.Key)
	assert.Equal(t, 4, b.Ops)
	assert.Equal(t, 2, b.Linearized)
	assert.Equal(t, "2", b.State)
	require.Len(t, b.Illegal, 1)
	assert.Equal(t, checker.IllegalOp{
		Op: "read() -> 1", F: "read", Value: json.RawMessage("1"), Process: 1,
		Invoke: 40, Complete: 50, InvokeTime: 40, CompleteTime: 50,
	}, b.Illegal[0])

	a := d.Failures[1]
	assert.Equal(t, "a", a.Key)
	require.NotEmpty(t, a.Illegal)
	assert.Equal(t, "read() -> 7", a.Illegal[0].Op)

	assert.Contains(t, res.Summary, `key "b": read() -> 1 by process 1 (events 40-50)`)
	out, err := json.Marshal(res)
	require.NoError(t, err)
	assert.Contains(t, string(out), `"invoke_index":40,"complete_index":50`)
}

func TestLinearizabilitySummaries(t *testing.T) {
	valid := checker.CheckLinearizable(regOps{w(0, "a", 1, 0, 10), info(w(1, "b", 2, 5, 6))}, regModel, time.Second).Result()
	assert.Equal(t, "linearizable: 2 ops (1 info) over 2 keys", valid.Summary)
	d := valid.Details.(checker.LinearizabilityDetails)
	assert.Equal(t, "1s", d.Budget)
	assert.Zero(t, d.InvalidKeyCount)
	assert.Zero(t, d.UnknownKeyCount)
}

// hardOps is a key porcupine cannot decide quickly: n concurrent info
// writes of distinct values, then a read of a value none wrote. Proving it
// invalid means trying every subset of the writes before the read.
func hardOps(n int) regOps {
	var ops regOps
	for i := range n {
		ops = append(ops, info(w(i, "hard", i+1, i, i+1000)))
	}
	ops = append(ops, r(n, "hard", -1, 2000, 2001))
	return ops
}

func TestCheckLinearizableOutOfBudgetIsUnknown(t *testing.T) {
	for _, budget := range []time.Duration{time.Nanosecond, 50 * time.Millisecond} {
		t.Run(budget.String(), func(t *testing.T) {
			ops := append(hardOps(40), w(0, "easy", 1, 0, 10))
			lin := checker.CheckLinearizable(ops, regModel, budget)
			res := lin.Result()
			require.Equal(t, checker.Unknown, res.Valid, res.Summary)
			d := res.Details.(checker.LinearizabilityDetails)
			assert.Contains(t, d.UnknownKeys, "hard")
			assert.Zero(t, d.InvalidKeyCount)
			assert.True(t, strings.HasPrefix(res.Summary, "unknown: budget "+budget.String()), res.Summary)
			assert.True(t, res.BudgetExhausted, "an unknown of the budget is marked as such")
			assert.GreaterOrEqual(t, d.RetriedKeys, 1, "the undecided keys are checked once more")
			assert.True(t, checker.Results{"linearizable": res, "perf": {Valid: checker.Valid}}.UndecidedByBudget())
			assert.False(t, checker.Results{"linearizable": res, "set": {Valid: checker.Unknown}}.UndecidedByBudget(),
				"an unknown of another kind is not the budget's")
			assert.False(t, checker.Results{"linearizable": res, "set": {Valid: checker.Invalid}}.UndecidedByBudget())
		})
	}
}

func TestCheckLinearizableDoesNotKeepTheCallersOps(t *testing.T) {
	ops := regOps{w(0, "", 1, 0, 10), r(0, "", 1, 20, 30)}
	lin := checker.CheckLinearizable(ops, regModel, 0)
	ops[1].Output = 2
	assert.Equal(t, checker.Valid, lin.Valid())
	require.NoError(t, lin.Visualize(&strings.Builder{}, nil))
}

func TestCheckLinearizablePanicsOnProgrammingErrors(t *testing.T) {
	noInfo := regModel
	noInfo.StepInfo = nil
	assert.PanicsWithValue(t, "checker: an operation's output is unknown (info) but the Model has no StepInfo", func() {
		checker.CheckLinearizable(regOps{info(w(0, "", 1, 0, 10))}, noInfo, 0)
	})
	assert.NotPanics(t, func() { checker.CheckLinearizable(regOps{w(0, "", 1, 0, 10)}, noInfo, 0) })
	assert.Panics(t, func() { checker.CheckLinearizable(regOps{w(0, "", 1, 10, 5)}, regModel, 0) })
	assert.Panics(t, func() { checker.CheckLinearizable(regOps{w(0, "", 1, 0, 5)}, checker.Model[int, regIn, int]{}, 0) })
}
