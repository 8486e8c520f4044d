package workloads_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
	"raftcheck/workloads"
)

// hist builds a history from lines of "type f key value process time",
// with value as JSON and process "nemesis" for the nemesis.
func hist(t *testing.T, lines ...string) checker.History {
	t.Helper()
	var b strings.Builder
	for _, l := range lines {
		f := strings.Fields(l)
		require.Len(t, f, 6, l)
		proc := f[4]
		if proc == "nemesis" {
			proc = `"nemesis"`
		}
		b.WriteString(`{"type":"` + f[0] + `","f":"` + f[1] + `","key":"` + f[2] + `","value":` + f[3] + `,"process":` + proc + `,"time":` + f[5] + "}\n")
	}
	h, err := checker.ReadJSONL(strings.NewReader(b.String()), "test")
	require.NoError(t, err)
	return h
}

func TestRegisterOpsKeepWhatConstrains(t *testing.T) {
	h := hist(t,
		"invoke start - null nemesis 1",
		"invoke write x 1 0 10",
		"ok write x 1 0 20",
		"invoke cas x [1,2] 1 30",
		"fail cas x [1,2] 1 40", // did not happen: left out
		"invoke read x null 2 50",
		"info read x null 2 60", // changed nothing, saw nothing: left out
		"invoke cas x [1,3] 3 70",
		"info cas x [1,3] 3 80", // may have happened: kept, unknown
		"invoke read y null 4 90",
		"ok read y null 4 100",   // never written
		"invoke write y 5 5 110", // never completes: unknown
	)
	ops, err := workloads.RegisterOps(h)
	require.NoError(t, err)
	require.Len(t, ops, 4)

	assert.Equal(t, checker.Op[workloads.RegisterInput, workloads.RegisterValue]{
		Process: 0, Key: "x", F: "write", Value: json.RawMessage("1"),
		Input: workloads.RegisterInput{F: "write", Value: 1}, Known: true,
		Call: 10, Return: 20, Invoke: 1, Complete: 2,
	}, ops[0])
	assert.Equal(t, workloads.RegisterInput{F: "cas", Old: 1, Value: 3}, ops[1].Input)
	assert.False(t, ops[1].Known)
	assert.Equal(t, 8, ops[1].Complete)
	assert.Equal(t, workloads.RegisterValue{}, ops[2].Output)
	assert.True(t, ops[2].Known)
	assert.False(t, ops[3].Known)
	assert.Equal(t, -1, ops[3].Complete)
	assert.Equal(t, workloads.RegisterInput{F: "write", Value: 5}, ops[3].Input)
}

func TestOpsDropInfoReadsOfEveryModel(t *testing.T) {
	tests := []struct {
		model, read, write string
		// ops is what is checked: the info mutation, except where an
		// unobserved addition is dropped too (dropUnobservedInfo).
		ops int
	}{
		{"register", "read", "write 1", 1},
		{"counter", "count", "incr null", 1},
		{"set", "members", "add 1", 0},
		{"list-append", "list", "append 1", 0},
	}
	for _, tc := range tests {
		t.Run(tc.model, func(t *testing.T) {
			wf := strings.Fields(tc.write)
			// The info read's value would be impossible: it must not be checked.
			h := hist(t,
				"invoke "+wf[0]+" k "+wf[1]+" 0 10",
				"info "+wf[0]+" k "+wf[1]+" 0 20",
				"invoke "+tc.read+" k null 1 30",
				"info "+tc.read+" k 99 1 40",
			)
			check, ok := workloads.Linearizable(tc.model)
			require.True(t, ok)
			lin, err := check(h, time.Second)
			require.NoError(t, err)
			res := lin.Result()
			assert.Equal(t, checker.Valid, res.Valid, res.Summary)
			d := res.Details.(checker.LinearizabilityDetails)
			assert.Equal(t, tc.ops, d.Ops, "only the info mutation is checked")
			assert.Equal(t, tc.ops, d.InfoOps)
		})
	}
}

func TestOpsRejectMalformedValues(t *testing.T) {
	tests := []struct {
		model string
		lines []string
		want  string
	}{
		{"register", []string{"invoke cas x 5 0 10"}, "event 0: cas value must be [old, new], got 5"},
		{"register", []string{"invoke cas x [1,null] 0 10"}, "event 0: cas value must be [old, new], got [1,null]"},
		{"register", []string{"invoke cas x [1,2,3] 0 10"}, "must be [old, new]"},
		{"register", []string{"invoke write x null 0 10"}, "event 0: write value must be an integer, got null"},
		{"register", []string{"invoke write x 1.5 0 10"}, "event 0: write value must be an integer, got 1.5"},
		{"register", []string{"invoke read x null 0 10", "ok read x \"one\" 0 20"}, `event 1: read value must be an integer or null, got "one"`},
		{"register", []string{"invoke incr x null 0 10"}, `event 0: f="incr" is not a register operation (read, write, cas)`},
		{"counter", []string{"invoke incr x null 0 10", "ok incr x null 0 20"}, "event 1: incr value must be an integer, got null"},
		{"counter", []string{"invoke incr x [1] 0 10"}, "event 0: incr value must be null or an integer increment, got [1]"},
		{"counter", []string{"invoke count x null 0 10", "ok count x [] 0 20"}, "event 1: count value must be an integer"},
		{"counter", []string{"invoke write x 1 0 10"}, `f="write" is not a counter operation (incr, count, or Jepsen's add, read)`},
		{"set", []string{"invoke add x [1] 0 10"}, "event 0: add value must be an integer, got [1]"},
		{"set", []string{"invoke members x null 0 10", "ok members x 3 0 20"}, "event 1: members value must be a list of integers, got 3"},
		{"set", []string{"invoke members x null 0 10", "ok members x [1,\"a\"] 0 20"}, "members value must be a list of integers"},
		{"list-append", []string{"invoke append x \"a\" 0 10"}, `event 0: append value must be an integer, got "a"`},
		{"list-append", []string{"invoke list x null 0 10", "ok list x {} 0 20"}, "event 1: list value must be a list of integers, got {}"},
		{"list-append", []string{"invoke add x 1 0 10"}, `f="add" is not a list-append operation (append, list)`},
		// A failed operation is left out, but must still make sense.
		{"register", []string{"invoke cas x 5 0 10", "fail cas x 5 0 20"}, "event 0: cas value must be [old, new], got 5"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			check, ok := workloads.Linearizable(tc.model)
			require.True(t, ok)
			lin, err := check(hist(t, tc.lines...), time.Second)
			require.Error(t, err)
			assert.Nil(t, lin)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestOpsRejectAMalformedHistory(t *testing.T) {
	h := checker.History{
		{Index: 0, Type: checker.OK, F: "read", Key: "x", Value: json.RawMessage("1"), Process: 0, Time: 10},
	}
	_, err := workloads.CheckRegister(h, time.Second)
	assert.ErrorContains(t, err, "event 0: process 0 completes (ok) an operation it never invoked")
}

func TestLinearizableLooksUpModelsAndAliases(t *testing.T) {
	// A register history that is invalid for a register and not even
	// readable as anything else tells the checks apart.
	h := hist(t, "invoke write x 1 0 10", "ok write x 1 0 20", "invoke read x null 0 30", "ok read x 2 0 40")
	for _, name := range []string{"register", "cas-register"} {
		check, ok := workloads.Linearizable(name)
		require.True(t, ok, name)
		lin, err := check(h, time.Second)
		require.NoError(t, err)
		assert.Equal(t, checker.Invalid, lin.Valid(), name)
	}
	for _, name := range []string{"counter", "set", "list-append", "append"} {
		check, ok := workloads.Linearizable(name)
		require.True(t, ok, name)
		_, err := check(h, time.Second)
		assert.ErrorContains(t, err, `f="write" is not a`, name)
	}
	la := hist(t, "invoke append x 1 0 10", "ok append x 1 0 20", "invoke list x null 0 30", "ok list x [1] 0 40")
	for _, name := range []string{"list-append", "append"} {
		check, _ := workloads.Linearizable(name)
		lin, err := check(la, time.Second)
		require.NoError(t, err)
		assert.Equal(t, checker.Valid, lin.Valid(), name)
	}
	_, ok := workloads.Linearizable("bank")
	assert.False(t, ok)
	assert.Equal(t, []string{"append", "cas-register", "counter", "list-append", "register", "set"}, workloads.LinearizableModels())
}

// TestUnobservedInfoAdditionsAreDropped: an indeterminate append or add
// that no read saw is left out of the search (it can always be placed after
// every read); one that a read saw is kept, and must have happened.
func TestUnobservedInfoAdditionsAreDropped(t *testing.T) {
	for _, tc := range []struct{ model, add, read string }{
		{"list-append", "append", "list"},
		{"set", "add", "members"},
	} {
		t.Run(tc.model, func(t *testing.T) {
			check, _ := workloads.Linearizable(tc.model)
			h := hist(t,
				"invoke "+tc.add+" k 1 0 10",
				"info "+tc.add+" k 1 0 20",
				"invoke "+tc.add+" k 2 1 30",
				"info "+tc.add+" k 2 1 40",
				"invoke "+tc.read+" k null 2 50",
				"ok "+tc.read+" k [2] 2 60",
			)
			lin, err := check(h, time.Second)
			require.NoError(t, err)
			res := lin.Result()
			require.Equal(t, checker.Valid, res.Valid, res.Summary)
			d := res.Details.(checker.LinearizabilityDetails)
			assert.Equal(t, 2, d.Ops, "the read and the seen addition of 2; the unseen 1 is dropped")
			assert.Equal(t, 1, d.InfoOps)

			bad := hist(t,
				"invoke "+tc.read+" k null 2 5",
				"ok "+tc.read+" k [1] 2 8",
				"invoke "+tc.add+" k 1 0 10",
				"info "+tc.add+" k 1 0 20",
			)
			lin, err = check(bad, time.Second)
			require.NoError(t, err)
			assert.Equal(t, checker.Invalid, lin.Valid(), "a seen addition is kept: read before it was invoked")
		})
	}
}
