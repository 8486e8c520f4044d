package results

import (
	"fmt"
	"slices"

	"raftcheck/checker"
)

// The history table's limits: a history of up to maxHistoryRows events is
// listed whole; a longer one keeps its first historyHead and last
// historyTail events and historyContext events either side of every event
// the checkers point at, and says how many events each gap leaves out.
const (
	maxHistoryRows = 2000
	historyHead    = 300
	historyTail    = 100
	historyContext = 25
	maxValueText   = 160
)

// historyRow is a row of the history table: an event, or a gap (Gap > 0
// events left out, indexes GapFrom to GapTo).
type historyRow struct {
	Gap, GapFrom, GapTo int
	ID                  string
	Index               int
	Time, Process, Type string
	F, Key, Value, Err  string
	Focus               bool
}

type historyView struct {
	Rows   []historyRow
	Events int // in the history
	Shown  int
	Note   string
}

// historyTable picks the rows to list and returns them with the anchors:
// the indexes that have a row.
func historyTable(h checker.History, focus []int) (historyView, anchors) {
	v := historyView{Events: len(h)}
	a := anchors{}
	keep := make([]bool, len(h))
	if len(h) <= maxHistoryRows {
		for i := range keep {
			keep[i] = true
		}
	} else {
		mark := func(from, to int) {
			for i := max(from, 0); i < min(to, len(h)); i++ {
				keep[i] = true
			}
		}
		mark(0, historyHead)
		mark(len(h)-historyTail, len(h))
		pos := positions(h)
		for _, f := range focus {
			if p, ok := pos[f]; ok {
				mark(p-historyContext, p+historyContext+1)
			}
		}
	}
	isFocus := map[int]bool{}
	for _, f := range focus {
		isFocus[f] = true
	}
	gap := 0
	for i := range h {
		if !keep[i] {
			gap++
			continue
		}
		if gap > 0 {
			v.Rows = append(v.Rows, historyRow{Gap: gap, GapFrom: h[i-gap].Index, GapTo: h[i-1].Index})
			gap = 0
		}
		e := &h[i]
		a[e.Index] = true
		v.Rows = append(v.Rows, historyRow{
			ID: eventID(e.Index), Index: e.Index, Time: dur(e.Time), Process: e.Process.String(), Type: string(e.Type),
			F: e.F, Key: e.Key, Value: shortValue(e.Value, maxValueText), Err: e.Error, Focus: isFocus[e.Index],
		})
		v.Shown++
	}
	if gap > 0 {
		v.Rows = append(v.Rows, historyRow{Gap: gap, GapFrom: h[len(h)-gap].Index, GapTo: h[len(h)-1].Index})
	}
	if v.Shown < v.Events {
		v.Note = fmt.Sprintf("%s of %s events are listed: the first %d, the last %d, and %d either side of each event the checkers point at. The rows marked … stand for the events left out; history.jsonl beside this report has every event.",
			commas(v.Shown), commas(v.Events), historyHead, historyTail, historyContext)
	}
	return v, a
}

// positions maps history indexes to positions; they are the same in a
// history this project wrote, but a history read from elsewhere may
// number its events differently.
func positions(h checker.History) map[int]int {
	m := make(map[int]int, len(h))
	for i := range h {
		m[h[i].Index] = i
	}
	return m
}

// withFocusFirst puts the illegal op's indexes before the others, without
// repeats.
func withFocusFirst(first []int, rest []int) []int {
	out := slices.Clone(first)
	for _, i := range rest {
		if !slices.Contains(out, i) {
			out = append(out, i)
		}
	}
	return out
}
