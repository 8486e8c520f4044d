package results

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"raftcheck/checker"
)

// The latency chart's limits: points of the same kind that fall on the
// same latencyCell-pixel square are drawn once (the title counts them), and
// if more than maxLatencyPoints remain, every k-th is kept. The quantile
// lines are computed from every operation, in latencyBuckets time buckets.
const (
	latencyCell      = 2.0
	maxLatencyPoints = 6000
	latencyBuckets   = 60
	maxFunctions     = 8 // colours of f; more functions share them
)

// functions are the operations' functions, sorted, each with its colour
// class.
func functions(ops []checker.Operation) map[string]string {
	var fs []string
	seen := map[string]bool{}
	for i := range ops {
		if f := ops[i].Invocation.F; !seen[f] {
			seen[f] = true
			fs = append(fs, f)
		}
	}
	slices.Sort(fs)
	out := map[string]string{}
	for i, f := range fs {
		out[f] = fmt.Sprintf("f%d", i%maxFunctions)
	}
	return out
}

// latencyChart draws each completed operation at its invocation time and
// latency (log scale), coloured by function and shaped by outcome, with
// lines for the 50th, 95th and 99th percentile of ok operations over
// time, and the faults shaded behind.
func latencyChart(ops []checker.Operation, faults []Fault, end int64) chart {
	f := frame{width: 1100, height: 360, left: 70, right: 20, top: 10, bottom: 40, end: end}
	s := newSVG("latency-svg", f.width, f.height, "latency of each operation over time")
	shadeFaults(s, f, faults, f.top, f.plotBottom())
	lo, hi := math.Inf(1), math.Inf(-1)
	completed := 0
	for i := range ops {
		if l, ok := ops[i].Latency(); ok {
			ms := latencyMS(l)
			lo, hi = min(lo, ms), max(hi, ms)
			completed++
		}
	}
	c := chart{}
	if completed == 0 {
		s.label(f.left+f.plotWidth()/2, f.height/2, "axis-label", "middle", "no operation completed")
		f.timeAxis(s)
		c.SVG = s.html()
		return c
	}
	// A log scale from a decade at or below the fastest operation to one
	// at or above the slowest.
	dlo, dhi := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if dhi <= dlo {
		dhi = dlo + 1
	}
	y := func(ms float64) float64 {
		return f.plotBottom() - (math.Log10(ms)-dlo)/(dhi-dlo)*(f.plotBottom()-f.top)
	}
	for d := dlo; d <= dhi; d++ {
		yy := y(math.Pow(10, d))
		s.line(f.left, yy, f.left+f.plotWidth(), yy, "grid")
		s.label(f.left-6, yy+4, "tick", "end", formatMS(math.Pow(10, d)))
	}
	s.label(14, f.top+(f.plotBottom()-f.top)/2, "axis-label vertical", "middle", "latency (log)")

	fclass := functions(ops)
	type cellKey struct {
		class, outcome string
		x, y           int
	}
	type dot struct {
		o     *checker.Operation
		x, y  float64
		class string
		n     int
	}
	at := map[cellKey]int{}
	var dots []dot
	for i := range ops {
		o := &ops[i]
		l, ok := o.Latency()
		if !ok {
			continue
		}
		x, yy := f.x(o.Start()), y(latencyMS(l))
		k := cellKey{fclass[o.Invocation.F], string(o.Type), int(x / latencyCell), int(yy / latencyCell)}
		if j, ok := at[k]; ok {
			dots[j].n++
			continue
		}
		at[k] = len(dots)
		dots = append(dots, dot{o: o, x: x, y: yy, class: fclass[o.Invocation.F], n: 1})
	}
	stride := 1
	if len(dots) > maxLatencyPoints {
		stride = (len(dots) + maxLatencyPoints - 1) / maxLatencyPoints
	}
	drawn := 0
	for i := 0; i < len(dots); i += stride {
		d := dots[i]
		title := opTitle(d.o)
		if d.n > 1 {
			title += fmt.Sprintf(" (and %d more of this kind here)", d.n-1)
		}
		s.marker(d.x, d.y, string(d.o.Type), "pt "+d.class, title)
		drawn++
	}
	buckets := okLatencies(ops, end)
	for _, q := range []struct {
		q     float64
		class string
		name  string
	}{{0.5, "q50", "p50"}, {0.95, "q95", "p95"}, {0.99, "q99", "p99"}} {
		for _, line := range quantileLines(buckets, end, q.q) {
			pts := make([]point, len(line))
			for i, p := range line {
				pts[i] = point{f.x(p.t), y(p.ms)}
			}
			s.polyline(pts, "qline "+q.class, q.name+" latency of ok operations")
		}
	}
	f.timeAxis(s)
	c.SVG = s.html()
	var fs []string
	for name := range fclass {
		fs = append(fs, name)
	}
	slices.Sort(fs)
	for _, name := range fs {
		c.Legend = append(c.Legend, legendItem{"swatch-f " + fclass[name], name})
	}
	c.Legend = append(c.Legend, legendItem{"mark-ok", "ok"}, legendItem{"mark-fail", "fail"}, legendItem{"mark-info", "info"},
		legendItem{"qline q50", "p50 of ok"}, legendItem{"qline q95", "p95 of ok"}, legendItem{"qline q99", "p99 of ok"})
	c.Legend = append(c.Legend, faultLegend(faults)...)
	var note []string
	if drawn < completed {
		note = append(note, fmt.Sprintf("%s completed operations are drawn as %s points: operations of the same function and outcome that fall on the same %g-pixel square are drawn once (hover for how many)", commas(completed), commas(drawn), latencyCell))
		if stride > 1 {
			note = append(note, fmt.Sprintf("then only every %s of those squares is kept", ordinal(stride)))
		}
	}
	if open := len(ops) - completed; open > 0 {
		note = append(note, fmt.Sprintf("%s never completed and have no latency", plural(open, "operation", "operations")))
	}
	if len(note) > 0 {
		c.Note = strings.Join(note, "; ") + ". The quantile lines use every operation."
	}
	return c
}

func latencyMS(ns int64) float64 { return max(float64(ns)/1e6, 0.001) }

func formatMS(ms float64) string {
	if ms >= 1000 {
		return formatSeconds(ms / 1000)
	}
	if ms < 1 {
		return fmt.Sprintf("%gµs", ms*1000)
	}
	return fmt.Sprintf("%gms", ms)
}

func ordinal(n int) string {
	switch {
	case n%100 >= 11 && n%100 <= 13:
		return fmt.Sprintf("%dth", n)
	case n%10 == 1:
		return fmt.Sprintf("%dst", n)
	case n%10 == 2:
		return fmt.Sprintf("%dnd", n)
	case n%10 == 3:
		return fmt.Sprintf("%drd", n)
	}
	return fmt.Sprintf("%dth", n)
}

type quantilePoint struct {
	t  int64
	ms float64
}

// okLatencies are the latencies of the ok operations invoked in each of
// latencyBuckets time buckets, each bucket sorted: one pass over the
// operations serves every quantile line.
func okLatencies(ops []checker.Operation, end int64) [][]int64 {
	buckets := make([][]int64, latencyBuckets)
	for i := range ops {
		o := &ops[i]
		l, ok := o.Latency()
		if o.Type != checker.OK || !ok {
			continue
		}
		b := min(latencyBuckets-1, int(float64(o.Start())/float64(end)*latencyBuckets))
		buckets[b] = append(buckets[b], l)
	}
	for _, ls := range buckets {
		slices.Sort(ls)
	}
	return buckets
}

// quantileLines are the q-th latency quantile of each bucket of
// okLatencies, at the bucket's middle; a bucket without any breaks the
// line.
func quantileLines(buckets [][]int64, end int64, q float64) [][]quantilePoint {
	var lines [][]quantilePoint
	var cur []quantilePoint
	for b, ls := range buckets {
		if len(ls) == 0 {
			if len(cur) > 0 {
				lines = append(lines, cur)
				cur = nil
			}
			continue
		}
		// Nearest rank, as the perf checker computes its quantiles.
		rank := int(math.Ceil(q*float64(len(ls)))) - 1
		mid := int64((float64(b) + 0.5) / latencyBuckets * float64(end))
		cur = append(cur, quantilePoint{mid, latencyMS(ls[max(rank, 0)])})
	}
	if len(cur) > 0 {
		lines = append(lines, cur)
	}
	return lines
}
