package results

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"

	"raftcheck/checker"
)

// opsRun is a history of n operations, one after another on process 0, all
// ok, then an info read on process 1 and a write on process 2 that never
// completes.
func opsRun(n int) checker.History {
	var h checker.History
	add := func(typ checker.Type, f string, p checker.Process, v any) {
		h = append(h, checker.Event{Index: len(h), Type: typ, F: f, Key: "k", Value: checker.Value(v), Process: p, Time: int64(len(h)) * 1e6})
	}
	for i := 0; i < n; i++ {
		add(checker.Invoke, "write", 0, i)
		add(checker.OK, "write", 0, i)
	}
	add(checker.Invoke, "read", 1, nil)
	add(checker.Info, "read", 1, nil)
	add(checker.Invoke, "write", 2, 77)
	return h
}

// TestNeverCompletedOperationsAreInfoAndStandOut: the report draws an
// operation the history never completed as info, Jepsen's rule, yet apart
// from one that completed info, in the timeline's bars and in its cells.
func TestNeverCompletedOperationsAreInfoAndStandOut(t *testing.T) {
	tests := []struct {
		name string
		h    checker.History
		// want are patterns the timeline must match.
		want []string
	}{
		{"bars", opsRun(3), []string{
			`class="op o-info"><title>process 1: read key k null → info in [^<]* \(events 6–7,`,
			`class="op o-info never"><title>process 2: write key k 77 → info \(event 8 at [^<]*; never completed\)`,
		}},
		{"cells", opsRun(maxTimelineOps), []string{
			`class="op o-info never"><title>p [^<]*: \d+ ok, 0 fail, [12] info \(1 never completed\)</title>`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			end := tc.h[len(tc.h)-1].Time + 1e6
			c := timelineChart(tc.h.Operations(), nil, end, nil)
			svg := string(c.SVG)
			for _, w := range tc.want {
				assert.True(t, regexp.MustCompile(w).MatchString(svg), "the timeline lacks %s", w)
			}
			hasNot(t, svg, "open")
			assert.Contains(t, c.Legend, legendItem{"o-info never", "info: never completed"})
			for _, l := range c.Legend {
				assert.NotContains(t, l.Class, "open")
			}
		})
	}
}

func TestOpValueIsTheResultOfAnOKOperation(t *testing.T) {
	h := checker.History{
		{Index: 0, Type: checker.Invoke, F: "read", Value: checker.Value(nil), Process: 0},
		{Index: 1, Type: checker.OK, F: "read", Value: checker.Value(5), Process: 0},
		{Index: 2, Type: checker.Invoke, F: "write", Value: checker.Value(6), Process: 0},
		{Index: 3, Type: checker.OK, F: "write", Value: checker.Value(nil), Process: 0},
		{Index: 4, Type: checker.Invoke, F: "cas", Value: checker.Value([]int{6, 7}), Process: 0},
		{Index: 5, Type: checker.Fail, F: "cas", Value: checker.Value(nil), Process: 0},
		{Index: 6, Type: checker.Invoke, F: "write", Value: checker.Value(8), Process: 1},
	}
	ops := h.Operations()
	var got []string
	for i := range ops {
		got = append(got, string(opValue(&ops[i]))+" "+opClass(&ops[i]))
	}
	assert.Equal(t, []string{"5 o-ok", "6 o-ok", "[6,7] o-fail", "8 o-info never"}, got)
}
