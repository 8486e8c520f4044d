package checker_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
)

// ev is an event at t milliseconds, with t as its value.
func ev(typ checker.Type, f string, p checker.Process, t int64) checker.Event {
	return checker.Event{Type: typ, F: f, Process: p, Time: t * 1_000_000, Value: checker.Value(t)}
}

// paired is an Operation by positions: what a test expects of one.
type paired struct {
	inv, done int // done -1: never completed
	typ       checker.Type
}

func TestOperationsPairsAsJepsenDoes(t *testing.T) {
	const n = checker.Nemesis
	tests := []struct {
		name string
		h    checker.History
		want []paired
	}{
		{"empty", nil, nil},
		{"one of each outcome", checker.History{
			ev(checker.Invoke, "read", 0, 1), ev(checker.OK, "read", 0, 2),
			ev(checker.Invoke, "cas", 0, 3), ev(checker.Fail, "cas", 0, 4),
			ev(checker.Invoke, "write", 0, 5), ev(checker.Info, "write", 0, 6),
		}, []paired{{0, 1, checker.OK}, {2, 3, checker.Fail}, {4, 5, checker.Info}}},
		{"interleaved processes complete out of order, kept in invocation order", checker.History{
			ev(checker.Invoke, "write", 2, 1),
			ev(checker.Invoke, "read", 0, 2),
			ev(checker.Invoke, "cas", 1, 3),
			ev(checker.OK, "cas", 1, 4),
			ev(checker.OK, "read", 0, 5),
			ev(checker.Invoke, "read", 1, 6),
			ev(checker.Fail, "write", 2, 7),
			ev(checker.OK, "read", 1, 8),
		}, []paired{{0, 6, checker.Fail}, {1, 4, checker.OK}, {2, 3, checker.OK}, {5, 7, checker.OK}}},
		{"never completed at the end is info", checker.History{
			ev(checker.Invoke, "read", 0, 1), ev(checker.OK, "read", 0, 2),
			ev(checker.Invoke, "write", 1, 3),
			ev(checker.Invoke, "read", 0, 4),
		}, []paired{{0, 1, checker.OK}, {2, -1, checker.Info}, {3, -1, checker.Info}}},
		{"a completion without invocation is ignored", checker.History{
			ev(checker.OK, "read", 4, 1),
			ev(checker.Invoke, "read", 0, 2), ev(checker.OK, "read", 0, 3),
			ev(checker.Fail, "read", 0, 4), // completes nothing: already done
			ev(checker.Info, "read", 1, 5),
		}, []paired{{1, 2, checker.OK}}},
		{"re-invocation on a busy process leaves the earlier op info", checker.History{
			ev(checker.Invoke, "add", 1, 1),
			ev(checker.Invoke, "add", 1, 2),
			ev(checker.Fail, "add", 1, 3),
		}, []paired{{0, -1, checker.Info}, {1, 2, checker.Fail}}},
		{"nemesis events are skipped, even between invocation and completion", checker.History{
			ev(checker.Info, "start", n, 1),
			ev(checker.Invoke, "read", 0, 2),
			ev(checker.Invoke, "kill", n, 3),
			ev(checker.Info, "kill", n, 4),
			ev(checker.OK, "read", 0, 5),
			ev(checker.Info, "stop", n, 6),
		}, []paired{{1, 4, checker.OK}}},
		{"an event of no known type is ignored", checker.History{
			ev(checker.Invoke, "read", 0, 1), ev("bogus", "read", 0, 2), ev(checker.OK, "read", 0, 3),
		}, []paired{{0, 2, checker.OK}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ops := tc.h.Operations()
			got := make([]paired, 0, len(ops))
			for i := range ops {
				o := &ops[i]
				got = append(got, paired{o.InvokePos, o.CompletePos, o.Type})
				require.Same(t, &tc.h[o.InvokePos], o.Invocation, "the invocation points into the history")
				require.Equal(t, checker.Invoke, o.Invocation.Type)
				if o.CompletePos < 0 {
					assert.Nil(t, o.Completion)
					assert.False(t, o.Completed())
				} else {
					require.Same(t, &tc.h[o.CompletePos], o.Completion, "the completion points into the history")
					assert.True(t, o.Completed())
					assert.Equal(t, o.Completion.Type, o.Type)
				}
			}
			assert.Equal(t, len(tc.want), len(got))
			if len(tc.want) > 0 {
				assert.Equal(t, tc.want, got)
			}
		})
	}
}

func TestOperationTimes(t *testing.T) {
	h := checker.History{
		ev(checker.Invoke, "read", 0, 10), ev(checker.Invoke, "write", 1, 12), ev(checker.Info, "read", 0, 15),
	}
	ops := h.Operations()
	require.Len(t, ops, 2)
	done, open := &ops[0], &ops[1]

	assert.Equal(t, int64(10_000_000), done.Start())
	assert.Equal(t, int64(15_000_000), done.End(99))
	l, ok := done.Latency()
	assert.True(t, ok)
	assert.Equal(t, int64(5_000_000), l, "an info's latency is how long its client waited")

	assert.Equal(t, checker.Info, open.Type)
	assert.Equal(t, int64(12_000_000), open.Start())
	assert.Equal(t, int64(99), open.End(99), "never completed: open until the end given")
	_, ok = open.Latency()
	assert.False(t, ok)
}

// opsHistory is n operations (n a multiple of 10) by rounds of 10
// processes, each invoked while the others are outstanding, as a run's
// clients are; the last round never completes.
func opsHistory(n int) checker.History {
	h := make(checker.History, 0, 2*n)
	for i := 0; i < n; i += 10 {
		for p := i; p < i+10; p++ {
			h = append(h, checker.Event{Index: len(h), Type: checker.Invoke, F: "read", Process: checker.Process(p), Time: int64(len(h))})
		}
		if i+10 == n {
			break
		}
		for p := i; p < i+10; p++ {
			h = append(h, checker.Event{Index: len(h), Type: checker.OK, F: "read", Process: checker.Process(p), Time: int64(len(h))})
		}
	}
	return h
}

func TestOperationsAllocatesNothingPerOperation(t *testing.T) {
	small, large := opsHistory(1_000), opsHistory(100_000)
	require.Len(t, large.Operations(), 100_000)
	a := testing.AllocsPerRun(5, func() { small.Operations() })
	b := testing.AllocsPerRun(5, func() { large.Operations() })
	assert.Equal(t, a, b, "allocations must not grow with the history")
}

// BenchmarkOperations pairs a history of 100,000 operations.
//
//	go test ./checker/ -run '^$' -bench Operations -benchmem
func BenchmarkOperations(b *testing.B) {
	h := opsHistory(100_000)
	b.ReportAllocs()
	for b.Loop() {
		h.Operations()
	}
}
