package checker_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"raftcheck/checker"
)

// wlHistory builds a workload history by hand: each call records one
// event, one millisecond after the previous one. A completion takes the
// f and key of its process's invocation; fail and info repeat the
// invocation's value, as our clients record them.
type wlHistory struct {
	t    testing.TB
	h    checker.History
	now  int64
	open map[int]checker.Event
}

func newWL(t testing.TB) *wlHistory {
	return &wlHistory{t: t, open: map[int]checker.Event{}}
}

func (b *wlHistory) add(e checker.Event) *wlHistory {
	b.now += 1_000_000
	e.Index, e.Time = len(b.h), b.now
	b.h = append(b.h, e)
	return b
}

// after makes the next event come d nanoseconds after the previous one
// (instead of one millisecond).
func (b *wlHistory) after(d int64) *wlHistory {
	b.now += d - 1_000_000
	return b
}

func (b *wlHistory) inv(p int, f, key string, v any) *wlHistory {
	e := checker.Event{Type: checker.Invoke, F: f, Key: key, Value: checker.Value(v), Process: checker.Process(p)}
	b.open[p] = e
	return b.add(e)
}

func (b *wlHistory) complete(p int, typ checker.Type, v any, errText string) *wlHistory {
	inv, ok := b.open[p]
	require.True(b.t, ok, "process %d completes nothing", p)
	delete(b.open, p)
	e := checker.Event{Type: typ, F: inv.F, Key: inv.Key, Value: inv.Value, Process: inv.Process, Error: errText}
	if typ == checker.OK {
		e.Value = checker.Value(v)
	}
	return b.add(e)
}

func (b *wlHistory) ok(p int, v any) *wlHistory { return b.complete(p, checker.OK, v, "") }
func (b *wlHistory) fail(p int) *wlHistory {
	return b.complete(p, checker.Fail, nil, "precondition failed")
}
func (b *wlHistory) info(p int) *wlHistory { return b.complete(p, checker.Info, nil, "timeout") }

func (b *wlHistory) nemesis(f string) *wlHistory {
	return b.add(checker.Event{Type: checker.Info, F: f, Value: checker.Value([]string{"n1"}), Process: checker.Nemesis})
}

// build is the history, which must be well formed.
func (b *wlHistory) build() checker.History {
	require.NoError(b.t, b.h.Validate())
	return b.h
}

// loadJSONL reads a fixture of testdata.
func loadJSONL(t *testing.T, name string) checker.History {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	require.NoError(t, err)
	defer f.Close()
	h, err := checker.ReadJSONL(f, name)
	require.NoError(t, err)
	return h
}

// bigReads is a history on one key of n adds or appends (f), all
// acknowledged, with a read (readF) of everything so far after every
// tenth: the shape of a long-running set or list-append test.
func bigReads(tb testing.TB, n int, f, readF string) checker.History {
	b := newWL(tb)
	var far []int
	for i := 0; i < n; i++ {
		b.inv(0, f, "k", i).ok(0, nil)
		far = append(far, i)
		if i%10 == 0 {
			b.inv(1, readF, "k", nil).ok(1, far)
		}
	}
	return b.build()
}

// hasInfo reports whether a history has an indeterminate operation (an
// info completion, or an invocation never completed): every fixture must.
func hasInfo(h checker.History) bool {
	for _, o := range h.Operations() {
		if o.Type == checker.Info {
			return true
		}
	}
	return false
}
