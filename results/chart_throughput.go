package results

import (
	"fmt"
	"math"
	"slices"

	"raftcheck/checker"
)

// throughputChart draws completions per second of virtual time, by
// outcome, in about a hundred buckets, with the faults shaded behind.
func throughputChart(ops []checker.Operation, faults []Fault, end int64) chart {
	f := frame{width: 1100, height: 260, left: 70, right: 20, top: 10, bottom: 40, end: end}
	s := newSVG("throughput-svg", f.width, f.height, "completed operations per second over time")
	shadeFaults(s, f, faults, f.top, f.plotBottom())
	step := max(int64(niceStep(float64(end)/1e9, 100)*1e9), 1)
	n := int(end/step) + 1
	outcomes := []string{"ok", "fail", "info"}
	counts := make([][]int, len(outcomes))
	for i := range counts {
		counts[i] = make([]int, n)
	}
	for i := range ops {
		o := &ops[i]
		if !o.Completed() {
			continue
		}
		k := slices.Index(outcomes, string(o.Type))
		if k < 0 {
			continue
		}
		counts[k][min(n-1, int(o.Completion.Time/step))]++
	}
	peak := 1
	for _, cs := range counts {
		for _, c := range cs {
			peak = max(peak, c)
		}
	}
	perSec := 1e9 / float64(step)
	top := float64(peak) * perSec
	ystep := niceStep(top, 5)
	top = math.Ceil(top/ystep) * ystep
	y := func(rate float64) float64 { return f.plotBottom() - rate/top*(f.plotBottom()-f.top) }
	for v := 0.0; v <= top+ystep/2; v += ystep {
		s.line(f.left, y(v), f.left+f.plotWidth(), y(v), "grid")
		s.label(f.left-6, y(v)+4, "tick", "end", fmt.Sprintf("%g", v))
	}
	s.label(14, f.top+(f.plotBottom()-f.top)/2, "axis-label vertical", "middle", "ops/s")
	for k, name := range outcomes {
		pts := make([]point, 0, n)
		for b := 0; b < n; b++ {
			t := int64(b)*step + step/2
			if t > end {
				break
			}
			pts = append(pts, point{f.x(t), y(float64(counts[k][b]) * perSec)})
		}
		s.polyline(pts, "rate o-"+name, name+" completions per second, in buckets of "+formatSeconds(float64(step)/1e9))
	}
	f.timeAxis(s)
	c := chart{SVG: s.html(), Note: "Completions per second, counted in buckets of " + formatSeconds(float64(step)/1e9) + "."}
	c.Legend = append([]legendItem{{"line-ok", "ok"}, {"line-fail", "fail"}, {"line-info", "info"}}, faultLegend(faults)...)
	return c
}
