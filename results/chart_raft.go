package results

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"raftcheck/checker"
)

// The Raft charts' limits: at most maxRaftSpans bars (leaderships,
// candidacies, pauses, crashes) and maxTermRows rows in the table of
// terms.
const (
	maxRaftSpans = 4000
	maxTermRows  = 300
)

// raftSpan is a stretch of time in which a node was in one condition.
type raftSpan struct {
	node       string
	kind       string // leader, candidate, paused, down
	term       uint64
	start, end int64
}

// nodeOrder sorts node names as people number them: n2 before n10.
func nodeOrder(a, b string) int {
	if c := cmp.Compare(len(a), len(b)); c != 0 {
		return c
	}
	return cmp.Compare(a, b)
}

// samplesByNode groups samples by node, each in time order.
func samplesByNode(samples []checker.RaftSample) (nodes []string, by map[string][]checker.RaftSample) {
	by = map[string][]checker.RaftSample{}
	for _, s := range samples {
		if _, ok := by[s.Node]; !ok {
			nodes = append(nodes, s.Node)
		}
		by[s.Node] = append(by[s.Node], s)
	}
	slices.SortFunc(nodes, nodeOrder)
	for _, n := range nodes {
		slices.SortStableFunc(by[n], func(a, b checker.RaftSample) int { return cmp.Compare(a.At, b.At) })
	}
	return nodes, by
}

// raftSpans turns each node's samples into the spans the leaders chart
// draws: a sample holds until the node's next one.
func raftSpans(nodes []string, by map[string][]checker.RaftSample, end int64) []raftSpan {
	var out []raftSpan
	for _, n := range nodes {
		ss := by[n]
		var cur *raftSpan
		for i, s := range ss {
			until := end
			if i+1 < len(ss) {
				until = ss[i+1].At
			}
			kind := ""
			switch {
			case s.Life == lifeDown:
				kind = "down"
			case s.Life == lifePaused:
				kind = "paused"
			case s.State == stateLead:
				kind = "leader"
			case strings.Contains(s.State, "Candidate"):
				kind = "candidate"
			}
			if cur != nil && cur.kind == kind && (kind != "leader" || cur.term == s.Term) {
				cur.end = until
				continue
			}
			if cur != nil && cur.kind != "" {
				out = append(out, *cur)
			}
			cur = &raftSpan{node: n, kind: kind, term: s.Term, start: s.At, end: until}
		}
		if cur != nil && cur.kind != "" {
			out = append(out, *cur)
		}
	}
	return out
}

// leadersChart draws a row per node: when it led, and in which term
// (labelled and coloured by term), when it stood for election, was paused
// or was down; the faults shaded behind.
func leadersChart(samples []checker.RaftSample, faults []Fault, end int64) (chart, table) {
	nodes, by := samplesByNode(samples)
	rowH := 22.0
	f := frame{width: 1100, left: 70, right: 20, top: 10, bottom: 40, end: end}
	f.height = f.top + float64(max(len(nodes), 1))*rowH + f.bottom
	s := newSVG("raft-leaders-svg", f.width, f.height, "which node led in which term over time")
	shadeFaults(s, f, faults, f.top, f.plotBottom())
	row := map[string]int{}
	for i, n := range nodes {
		row[n] = i
		y := f.top + float64(i)*rowH
		s.line(f.left, y+rowH/2, f.left+f.plotWidth(), y+rowH/2, "follower")
		s.label(f.left-6, y+rowH*0.65, "row-label", "end", n)
	}
	spans := raftSpans(nodes, by, end)
	c := chart{}
	if len(spans) > maxRaftSpans {
		c.Note = fmt.Sprintf("The first %s of %s spans (leaderships, candidacies, pauses, crashes) are drawn.", commas(maxRaftSpans), commas(len(spans)))
	}
	for i, sp := range spans {
		if i == maxRaftSpans {
			break
		}
		y := f.top + float64(row[sp.node])*rowH
		x0, x1 := f.x(sp.start), f.x(sp.end)
		when := dur(sp.start) + "–" + dur(sp.end)
		switch sp.kind {
		case "leader":
			s.rect(x0, y+3, x1-x0, rowH-6, "lead t"+strconv.FormatUint(sp.term%8, 10), fmt.Sprintf("%s led term %d, %s", sp.node, sp.term, when))
			label := "t" + strconv.FormatUint(sp.term, 10)
			if x1-x0 > float64(len(label))*7+4 {
				s.label((x0+x1)/2, y+rowH*0.68, "lead-label", "middle", label)
			}
		case "candidate":
			s.rect(x0, y+7, x1-x0, rowH-14, "cand", fmt.Sprintf("%s stood for election (term %d), %s", sp.node, sp.term, when))
		case "paused":
			s.rect(x0, y+2, x1-x0, rowH-4, "life-paused", fmt.Sprintf("%s paused, %s", sp.node, when))
		case "down":
			s.rect(x0, y+2, x1-x0, rowH-4, "life-down", fmt.Sprintf("%s down (crashed), %s", sp.node, when))
		}
	}
	if len(nodes) == 0 {
		s.label(f.left+f.plotWidth()/2, f.top+rowH*0.7, "axis-label", "middle", "no Raft samples")
	}
	f.timeAxis(s)
	c.SVG = s.html()
	c.Legend = append([]legendItem{{"lead t1", "leader (colour and label: its term)"}, {"cand", "candidate"}, {"life-paused", "paused"}, {"life-down", "down"}}, faultLegend(faults)...)
	return c, termTable(spans)
}

// termTable lists the leaderships: term, leader, from, to.
func termTable(spans []raftSpan) table {
	var leads []raftSpan
	for _, sp := range spans {
		if sp.kind == "leader" {
			leads = append(leads, sp)
		}
	}
	slices.SortStableFunc(leads, func(a, b raftSpan) int {
		if c := cmp.Compare(a.term, b.term); c != 0 {
			return c
		}
		return cmp.Compare(a.start, b.start)
	})
	t := table{ID: "raft-terms-table", Head: []string{"term", "leader", "from", "to", "for"}}
	for i, sp := range leads {
		if i == maxTermRows {
			t.Note = fmt.Sprintf("The first %d of %s leaderships are listed; raft.jsonl has every sample.", maxTermRows, commas(len(leads)))
			break
		}
		t.Rows = append(t.Rows, []cell{{Text: strconv.FormatUint(sp.term, 10)}, {Text: sp.node}, {Text: dur(sp.start)}, {Text: dur(sp.end)}, {Text: dur(sp.end - sp.start)}})
	}
	return t
}

// commitChart draws each node's commit index over time, as a step line
// broken while the node is down. Each node keeps at most the first and
// last sample of each pixel column.
func commitChart(samples []checker.RaftSample, faults []Fault, end int64) chart {
	nodes, by := samplesByNode(samples)
	f := frame{width: 1100, height: 300, left: 70, right: 20, top: 10, bottom: 40, end: end}
	s := newSVG("raft-commit-svg", f.width, f.height, "each node's commit index over time")
	shadeFaults(s, f, faults, f.top, f.plotBottom())
	var peak uint64 = 1
	for _, x := range samples {
		peak = max(peak, x.Commit)
	}
	ystep := niceStep(float64(peak), 5)
	top := math.Ceil(float64(peak)/ystep) * ystep
	y := func(v uint64) float64 { return f.plotBottom() - float64(v)/top*(f.plotBottom()-f.top) }
	for v := 0.0; v <= top+ystep/2; v += ystep {
		yy := y(uint64(v))
		s.line(f.left, yy, f.left+f.plotWidth(), yy, "grid")
		s.label(f.left-6, yy+4, "tick", "end", commas(int(v)))
	}
	s.label(14, f.top+(f.plotBottom()-f.top)/2, "axis-label vertical", "middle", "commit index")
	merged, total := 0, 0
	c := chart{}
	for i, n := range nodes {
		class := fmt.Sprintf("node n%d", i%maxFunctions)
		c.Legend = append(c.Legend, legendItem{"swatch-" + class, n})
		var line []point
		lastCol := -1
		flush := func() {
			if len(line) > 0 {
				s.polyline(line, class, n+" commit index")
			}
			line = nil
			lastCol = -1
		}
		ss := by[n]
		for j, x := range ss {
			total++
			if x.Life == lifeDown {
				flush()
				continue
			}
			until := end
			if j+1 < len(ss) {
				until = ss[j+1].At
			}
			px0, px1 := f.x(x.At), f.x(until)
			col := int(px0)
			if col == lastCol && len(line) >= 2 {
				// Same pixel column: move the column's last point
				// instead of adding one.
				line[len(line)-2].y = y(x.Commit)
				line[len(line)-1] = point{px1, y(x.Commit)}
				merged++
				continue
			}
			lastCol = col
			line = append(line, point{px0, y(x.Commit)}, point{px1, y(x.Commit)})
		}
		flush()
	}
	f.timeAxis(s)
	c.SVG = s.html()
	c.Legend = append(c.Legend, faultLegend(faults)...)
	if len(nodes) == 0 {
		c.Note = "No Raft samples were recorded for this run."
	} else if merged > 0 {
		c.Note = fmt.Sprintf("%s of %s samples share a pixel column with an earlier one of the same node and are merged into it (the column shows the latest value); raft.jsonl has every sample.", commas(merged), commas(total))
	}
	return c
}
