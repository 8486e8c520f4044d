package results

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"raftcheck/checker"
)

// The timeline's limits. Up to maxTimelineOps operations each get a bar;
// beyond that, each row is cut into timelineBuckets cells coloured by the
// worst outcome of the operations in them. Processes are laid on at most
// maxTimelineRows rows.
const (
	maxTimelineOps  = 4000
	timelineBuckets = 400
	maxTimelineRows = 120
)

// timelineRows lays processes on rows: a client that gives up on an
// operation (info) is retired and a fresh process takes its place, so
// there are many more processes than clients. A process takes the lowest
// row free when it starts, so that there are about as many rows as
// clients at a time, as in Jepsen's timeline.
func timelineRows(ops []checker.Operation, end int64) (row map[checker.Process]int, labels []string) {
	type span struct {
		p          checker.Process
		start, end int64
	}
	spans := map[checker.Process]*span{}
	var order []*span
	for i := range ops {
		o := &ops[i]
		p := o.Invocation.Process
		s := spans[p]
		if s == nil {
			s = &span{p: p, start: o.Start()}
			spans[p] = s
			order = append(order, s)
		}
		s.end = max(s.end, o.End(end))
	}
	slices.SortFunc(order, func(a, b *span) int {
		if c := cmp.Compare(a.start, b.start); c != 0 {
			return c
		}
		return cmp.Compare(a.p, b.p)
	})
	row = map[checker.Process]int{}
	var free []int64 // when each row is free again
	var procs [][]checker.Process
	for _, s := range order {
		r := -1
		for i, f := range free {
			if f < s.start {
				r = i
				break
			}
		}
		if r < 0 {
			r = len(free)
			free = append(free, 0)
			procs = append(procs, nil)
		}
		free[r] = s.end
		procs[r] = append(procs[r], s.p)
		row[s.p] = r % maxTimelineRows
	}
	n := min(len(procs), maxTimelineRows)
	labels = make([]string, n)
	for r, ps := range procs {
		lr := r % maxTimelineRows
		for _, p := range ps {
			if labels[lr] != "" {
				labels[lr] += " "
			}
			labels[lr] += p.String()
		}
	}
	for i, l := range labels {
		if len(l) > 14 {
			labels[i] = l[:strings.LastIndexByte(l[:14], ' ')+1] + "…"
		}
		labels[i] = "p " + labels[i]
	}
	return row, labels
}

// timelineChart draws every operation as a bar on its process's row,
// coloured by outcome, with the nemesis's faults above in lanes by kind
// and shaded behind. The operations in focus (the first illegal one) are
// drawn on top, the first with the id "timeline-focus".
func timelineChart(ops []checker.Operation, faults []Fault, end int64, focus map[int]bool) chart {
	rowOf, labels := timelineRows(ops, end)
	groups := faultLanes(faults)
	rowH := 14.0
	if len(labels) > 40 {
		rowH = max(4, 560/float64(len(labels)))
	}
	laneH := 14.0
	f := frame{width: 1100, left: 110, right: 20, top: 10, bottom: 40, end: end}
	if len(focus) > 0 {
		f.top += 14 // room for the label of the operation in focus
	}
	opsTop := f.top + float64(len(groups))*laneH + 6
	f.height = opsTop + float64(max(len(labels), 1))*rowH + f.bottom
	s := newSVG("timeline-svg", f.width, f.height, "operations per process over time")
	shadeFaults(s, f, faults, opsTop, f.plotBottom())
	for i, g := range groups {
		y := f.top + float64(i)*laneH
		s.label(f.left-6, y+laneH-3, "row-label", "end", g)
		for j, ft := range faults {
			if j == maxShadedFaults {
				break
			}
			if ft.Group != g {
				continue
			}
			x0, x1 := f.x(ft.Start), f.x(ft.endOr(end))
			s.rect(x0, y+1, x1-x0, laneH-2, "lane "+groupClass(ft.Group), faultTitle(ft, end))
		}
	}
	for r, l := range labels {
		s.label(f.left-6, opsTop+float64(r)*rowH+rowH*0.75, "row-label", "end", l)
	}
	c := chart{Legend: append([]legendItem{{"o-ok", "ok"}, {"o-fail", "fail"}, {"o-info", "info (outcome unknown)"}, {"o-info never", "info: never completed"}}, faultLegend(faults)...)}
	if len(ops) <= maxTimelineOps {
		for i := range ops {
			o := &ops[i]
			if focus[o.Invocation.Index] {
				continue
			}
			timelineBar(s, f, o, opsTop+float64(rowOf[o.Invocation.Process])*rowH, rowH, "", false)
		}
	} else {
		timelineCells(s, f, ops, rowOf, labels, opsTop, rowH)
		c.Note = fmt.Sprintf("%s operations are more than the %s drawn one by one: each row is cut into %d time cells, each split by the outcomes of the operations running in it, in proportion (any info or fail gets at least a sliver, info on top); hover a cell for its counts.",
			commas(len(ops)), commas(maxTimelineOps), timelineBuckets)
	}
	first := true
	for i := range ops {
		o := &ops[i]
		if !focus[o.Invocation.Index] {
			continue
		}
		id := ""
		if first {
			id, first = "timeline-focus", false
			// A line down from a label, so that the operation is found at
			// a glance among thousands.
			x := f.x(o.Start())
			s.line(x, f.top-10, x, f.plotBottom(), "focus-line")
			s.label(x+4, f.top-2, "focus-label", "start", "first illegal operation: process "+o.Invocation.Process.String()+", "+o.Invocation.F+" "+shortValue(opValue(o), 40))
		}
		timelineBar(s, f, o, opsTop+float64(rowOf[o.Invocation.Process])*rowH, rowH, id, true)
	}
	if n := rowCount(rowOf); n > maxTimelineRows {
		c.Note = strings.TrimSpace(c.Note + fmt.Sprintf(" %s rows of processes are folded onto %d.", commas(n), maxTimelineRows))
	}
	if len(faults) > maxShadedFaults {
		c.Note = strings.TrimSpace(c.Note + fmt.Sprintf(" The first %d of %s faults are drawn; the faults table lists them all.", maxShadedFaults, commas(len(faults))))
	}
	f.timeAxis(s)
	c.SVG = s.html()
	return c
}

func rowCount(rowOf map[checker.Process]int) int {
	n := 0
	for _, r := range rowOf {
		n = max(n, r+1)
	}
	return n
}

// faultLanes are the fault groups that occur, in faultGroups order, then
// any others by name.
func faultLanes(faults []Fault) []string {
	seen := map[string]bool{}
	for _, f := range faults {
		seen[f.Group] = true
	}
	var out []string
	for _, g := range faultGroups {
		if seen[g] {
			out = append(out, g)
			delete(seen, g)
		}
	}
	var rest []string
	for g := range seen {
		rest = append(rest, g)
	}
	slices.Sort(rest)
	return append(out, rest...)
}

func timelineBar(s *svg, f frame, o *checker.Operation, y, h float64, id string, focus bool) {
	class := "op " + opClass(o)
	if focus {
		class += " focus"
	}
	x0, x1 := f.x(o.Start()), f.x(o.End(f.end))
	pad := min(1.5, h/5)
	s.rectID(id, x0, y+pad, x1-x0, h-2*pad, class, opTitle(o))
}

// opTitle describes an operation on hover.
func opTitle(o *checker.Operation) string {
	var b strings.Builder
	inv := o.Invocation
	fmt.Fprintf(&b, "process %s: %s", inv.Process, inv.F)
	if inv.Key != "" {
		fmt.Fprintf(&b, " key %s", inv.Key)
	}
	fmt.Fprintf(&b, " %s → %s", shortValue(opValue(o), 80), o.Type)
	if l, ok := o.Latency(); ok {
		fmt.Fprintf(&b, " in %s (events %d–%d, %s–%s)", dur(l), inv.Index, o.Completion.Index, dur(inv.Time), dur(o.Completion.Time))
	} else {
		fmt.Fprintf(&b, " (event %d at %s; never completed)", inv.Index, dur(inv.Time))
	}
	return b.String()
}

// timelineCells draws the timeline of a large history: per row, the
// operations running in each time cell, coloured by the worst outcome.
func timelineCells(s *svg, f frame, ops []checker.Operation, rowOf map[checker.Process]int, labels []string, top, rowH float64) {
	type counts [4]int // ok, fail, info completed, info never completed
	cells := make([]counts, len(labels)*timelineBuckets)
	bucket := func(t int64) int {
		return min(timelineBuckets-1, int(float64(min(max(t, 0), f.end))/float64(f.end)*timelineBuckets))
	}
	for i := range ops {
		o := &ops[i]
		k := 0
		switch {
		case !o.Completed():
			k = 3
		case o.Type == checker.Fail:
			k = 1
		case o.Type == checker.Info:
			k = 2
		}
		r := rowOf[o.Invocation.Process]
		for b := bucket(o.Start()); b <= bucket(o.End(f.end)); b++ {
			cells[r*timelineBuckets+b][k]++
		}
	}
	w := f.plotWidth() / timelineBuckets
	classes := [4]string{"o-ok", "o-fail", "o-info", "o-info never"}
	for r := range labels {
		for b := 0; b < timelineBuckets; b++ {
			c := cells[r*timelineBuckets+b]
			n := c[0] + c[1] + c[2] + c[3]
			if n == 0 {
				continue
			}
			t0 := int64(float64(b) / timelineBuckets * float64(f.end))
			t1 := int64(float64(b+1) / timelineBuckets * float64(f.end))
			title := fmt.Sprintf("%s, %s–%s: %d ok, %d fail, %d info (%d never completed)", labels[r], dur(t0), dur(t1), c[0], c[1], c[2]+c[3], c[3])
			// The cell is split by outcome in proportion to the
			// operations running in it, with at least a sliver for any
			// outcome present, so that a lone info among many ok still
			// shows. Unknown outcomes go on top, as they matter most.
			x, bottom, h := f.left+float64(b)*w, top+float64(r)*rowH+rowH-1, rowH-2
			var present []int
			for k := range c {
				if c[k] > 0 {
					present = append(present, k)
				}
			}
			minH := min(2, h/4)
			y := bottom
			for i, k := range present {
				part := max(minH, h*float64(c[k])/float64(n))
				if i == len(present)-1 {
					part = max(minH, y-(bottom-h)) // the top part fills the cell
				}
				y -= part
				s.rect(x, y, w, part, "op "+classes[k], title)
			}
		}
	}
}
