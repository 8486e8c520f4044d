package workloads_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
	"raftcheck/workloads"
)

// genOp is an operation of a simulated register, with the moment it took
// effect (lp, strictly inside [call, ret]).
type genOp struct {
	id, key    int
	process    int
	f          string
	old, value int64
	call, ret  int64
	lp         int64
	info       bool // completes info
	effect     bool // an info op: whether it took effect at lp
	// Outcome, computed by replaying the register in lp order.
	failed  bool
	read    int64
	present bool
}

// registerHistory generates a register history that is linearizable by
// construction: each key is a real register, each operation takes effect
// at a random moment inside its interval, and outputs are computed by
// applying the operations in that order. procs processes per key run
// concurrently, opsPerKey operations per key in all; an operation
// completes info with probability infoRate (having taken effect or not,
// equally likely), and its process is then replaced by a fresh one.
func registerHistory(seed uint64, keys, procs, opsPerKey int, infoRate float64) checker.History {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	var all []*genOp
	nextProcess := keys * procs
	for k := range keys {
		var ops []*genOp
		written := int64(0)
		for s := range procs {
			process := k*procs + s
			t := rng.Int64N(1000)
			for range opsPerKey / procs {
				o := &genOp{id: len(all) + len(ops), key: k, process: process}
				o.call = t + 1 + rng.Int64N(500)
				o.ret = o.call + 100 + rng.Int64N(5000)
				o.lp = o.call + 1 + rng.Int64N(o.ret-o.call-1)
				t = o.ret
				switch x := rng.IntN(20); {
				case x < 10:
					o.f = "read"
				case x < 17:
					written++
					o.f, o.value = "write", written
				default:
					written++
					o.f, o.old, o.value = "cas", max(1, written-1-rng.Int64N(3)), written
				}
				if rng.Float64() < infoRate {
					o.info, o.effect = true, rng.IntN(2) == 0
					process = nextProcess
					nextProcess++
				}
				ops = append(ops, o)
			}
		}
		// Replay the register in the order the operations took effect.
		slices.SortFunc(ops, func(a, b *genOp) int { return cmp.Or(cmp.Compare(a.lp, b.lp), cmp.Compare(a.id, b.id)) })
		var state int64
		present := false
		for _, o := range ops {
			if o.info && !o.effect {
				continue
			}
			switch o.f {
			case "read":
				o.read, o.present = state, present
			case "write":
				state, present = o.value, true
			case "cas":
				if present && state == o.old {
					state = o.value
				} else {
					o.failed = true
				}
			}
		}
		all = append(all, ops...)
	}
	type event struct {
		at  int64
		ret bool
		op  *genOp
	}
	events := make([]event, 0, 2*len(all))
	for _, o := range all {
		events = append(events, event{o.call, false, o}, event{o.ret, true, o})
	}
	slices.SortFunc(events, func(a, b event) int {
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.op.id, b.op.id))
	})
	h := make(checker.History, len(events))
	for i, e := range events {
		o := e.op
		ev := checker.Event{Index: i, Type: checker.Invoke, F: o.f, Key: fmt.Sprintf("k%d", o.key),
			Process: checker.Process(o.process), Time: e.at}
		switch o.f {
		case "read":
			ev.Value = checker.Value(nil)
		case "write":
			ev.Value = checker.Value(o.value)
		case "cas":
			ev.Value = checker.Value([2]int64{o.old, o.value})
		}
		if e.ret {
			switch {
			case o.info:
				ev.Type = checker.Info
			case o.failed:
				ev.Type = checker.Fail
			default:
				ev.Type = checker.OK
				if o.f == "read" {
					ev.Value = checker.Value(nil)
					if o.present {
						ev.Value = checker.Value(o.read)
					}
				}
			}
		}
		h[i] = ev
	}
	return h
}

func TestGeneratedRegisterHistoryIsLinearizable(t *testing.T) {
	h := registerHistory(7, 10, 10, 300, 0.01)
	require.NoError(t, h.Validate())
	lin, err := workloads.CheckRegister(h, time.Minute)
	require.NoError(t, err)
	res := lin.Result()
	require.Equal(t, checker.Valid, res.Valid, res.Summary)
	d := res.Details.(checker.LinearizabilityDetails)
	assert.Equal(t, 10, d.Keys)
	assert.Positive(t, d.InfoOps)

	// The same history with one read changed to a value never written is
	// not: the generator makes histories the check has to work on.
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].F == "read" && h[i].Type == checker.OK {
			h[i].Value = checker.Value(-1)
			break
		}
	}
	lin, err = workloads.CheckRegister(h, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, checker.Invalid, lin.Valid())
}

// BenchmarkCheckRegister100k checks a linearizable register history of
// 100,000 operations over 100 keys, ten processes to a key, 0.2% of
// operations info.
func BenchmarkCheckRegister100k(b *testing.B) {
	h := registerHistory(1, 100, 10, 1000, 0.002)
	ops, infos := 0, 0
	for _, e := range h {
		switch e.Type {
		case checker.Invoke:
			ops++
		case checker.Info:
			infos++
		}
	}
	b.Logf("history: %d events, %d operations, %d info", len(h), ops, infos)
	for b.Loop() {
		lin, err := workloads.CheckRegister(h, time.Minute)
		if err != nil {
			b.Fatal(err)
		}
		if v := lin.Valid(); v != checker.Valid {
			b.Fatalf("verdict %v: %s", v, lin.Result().Summary)
		}
	}
	perCheck := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(perCheck, "s/check")
	b.ReportMetric(float64(ops)/perCheck, "ops/s")
}
