package checker

import (
	"fmt"
	"sort"
	"strings"
)

// StatsDetails counts a history's client operations by how they ended.
type StatsDetails struct {
	Total StatsCounts   `json:"total"`
	ByF   []StatsCounts `json:"by_f"` // ascending by F
	// NeverOK are the functions invoked at least once that never
	// succeeded; each makes the history invalid.
	NeverOK []string `json:"never_ok,omitempty"`
	// NemesisEvents counts the nemesis's events, which are not operations.
	NemesisEvents int `json:"nemesis_events"`
}

// StatsCounts are the operations of one function (F; "" for the total).
// Count = OK + Fail + Info + Unfinished.
type StatsCounts struct {
	F     string `json:"f,omitempty"`
	Count int    `json:"count"`
	OK    int    `json:"ok"`
	Fail  int    `json:"fail"`
	Info  int    `json:"info"`
	// Unfinished operations were invoked and never completed; like info,
	// their outcome is unknown.
	Unfinished int `json:"unfinished"`
}

// Stats counts client operations by function and outcome, as Jepsen's
// stats checker does, and like it calls the history invalid when some
// function was invoked but never once succeeded: such a run exercised
// nothing of that function (a workload whose every cas fails, say), so
// its other verdicts say little. The summary names those functions. A
// history with no client operations is unknown.
func Stats(h History) Result { return StatsWith(h, nil) }

// StatsWith is Stats over h and the operations in more, which h no longer
// holds (nil: none).
func StatsWith(h History, more *OpSamples) Result {
	d := StatsDetails{}
	by := map[string]*StatsCounts{}
	for i := range h {
		if h[i].Process == Nemesis {
			d.NemesisEvents++
		}
	}
	for _, o := range h.Operations() {
		f := o.Invocation.F
		c := by[f]
		if c == nil {
			c = &StatsCounts{F: f}
			by[f] = c
		}
		countOperation(c, &o)
		countOperation(&d.Total, &o)
	}
	if more != nil {
		for _, f := range more.functions() {
			m := more.counts[f]
			c := by[f]
			if c == nil {
				c = &StatsCounts{F: f}
				by[f] = c
			}
			c.add(m)
			d.Total.add(m)
		}
	}
	for _, c := range by {
		d.ByF = append(d.ByF, *c)
	}
	sort.Slice(d.ByF, func(i, j int) bool { return d.ByF[i].F < d.ByF[j].F })
	var never []string
	for _, c := range d.ByF {
		if c.OK == 0 {
			d.NeverOK = append(d.NeverOK, c.F)
			never = append(never, fmt.Sprintf("%s (0 ok of %d: %d fail, %d info, %d unfinished)", c.F, c.Count, c.Fail, c.Info, c.Unfinished))
		}
	}
	t := d.Total
	counts := fmt.Sprintf("%s (%d ok, %d fail, %d info, %d unfinished)", countOf(t.Count, "operation", "operations"), t.OK, t.Fail, t.Info, t.Unfinished)
	switch {
	case t.Count == 0:
		return Result{Valid: Unknown, Summary: "stats: no client operations in the history", Details: d}
	case len(never) > 0:
		return Result{Valid: Invalid, Details: d, Summary: fmt.Sprintf("stats: %s; never succeeded: %s", counts, strings.Join(never, ", "))}
	}
	return Result{Valid: Valid, Details: d, Summary: fmt.Sprintf("stats: %s; every function succeeded at least once", counts)}
}

func (c *StatsCounts) add(o *StatsCounts) {
	c.Count += o.Count
	c.OK += o.OK
	c.Fail += o.Fail
	c.Info += o.Info
	c.Unfinished += o.Unfinished
}
