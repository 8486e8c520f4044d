package checker

import (
	"fmt"
	"sort"
)

// PerfDetails are a history's latencies and throughput, in the history's
// time (simulated time for our runs).
type PerfDetails struct {
	// SpanSeconds is the time from the first client event to the last.
	SpanSeconds float64 `json:"span_seconds"`
	// TimesBack counts the events whose time was before an earlier
	// event's; Perf measured them at that earlier time.
	TimesBack int       `json:"times_back,omitempty"`
	Total     PerfByF   `json:"total"`
	ByF       []PerfByF `json:"by_f"` // ascending by F
}

// PerfByF are the figures of one function (F; "" for all functions).
type PerfByF struct {
	F string `json:"f,omitempty"`
	// OK covers the operations that succeeded; Completed those that
	// completed at all (ok, fail or info: an info's latency is how long the
	// client waited before giving up). Operations never completed have no
	// latency and are in neither.
	OK        PerfFigures `json:"ok"`
	Completed PerfFigures `json:"completed"`
}

// PerfFigures are the latency quantiles and throughput of a set of
// operations.
type PerfFigures struct {
	Count int `json:"count"`
	// Throughput is operations per second of the history's time over its
	// span (0 when the span is empty).
	Throughput float64 `json:"throughput"`
	Latency    Latency `json:"latency_ms"`
}

// Latency quantiles in milliseconds, exact: Pq is the smallest latency
// that at least q% of the operations do not exceed (nearest rank). All are
// 0 when there are no operations.
type Latency struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

// Perf measures latency (invocation to completion, in the history's time) and
// throughput per function, for ok operations and for all completed ones.
// It judges nothing, so it is always valid. Quantiles are exact (sorted,
// nearest rank) and sums are taken over sorted integer nanoseconds, so the
// same history always gives the same figures.
//
// Times that go back (a history written by threads, as Jepsen's is) are
// raised to the latest time before them (InFileOrder), so no latency is
// negative; the summary then says how many were.
func Perf(h History) Result { return PerfWith(h, nil) }

// PerfWith is Perf over h and the operations in more, which h no longer
// holds (nil: none).
func PerfWith(h History, more *OpSamples) Result {
	var d PerfDetails
	h, back := h.InFileOrder()
	d.TimesBack = back
	first, last := int64(-1), int64(0)
	for i := range h {
		if h[i].Process == Nemesis {
			continue
		}
		if first < 0 {
			first = h[i].Time
		}
		last = h[i].Time
	}
	if more != nil && more.any {
		if first < 0 || more.first < first {
			first = more.first
		}
		last = max(last, more.last)
	}
	var spanNS int64
	if first >= 0 {
		spanNS = last - first
	}
	d.SpanSeconds = float64(spanNS) / 1e9

	type samples struct{ ok, completed []int64 }
	by := map[string]*samples{}
	var fs []string
	all := &samples{}
	for _, o := range h.Operations() {
		f := o.Invocation.F
		s := by[f]
		if s == nil {
			s = &samples{}
			by[f] = s
			fs = append(fs, f)
		}
		lat, ok := o.Latency()
		if !ok {
			continue
		}
		for _, s := range []*samples{s, all} {
			s.completed = append(s.completed, lat)
			if o.Type == OK {
				s.ok = append(s.ok, lat)
			}
		}
	}
	if more != nil {
		for _, f := range more.functions() {
			s := by[f]
			if s == nil {
				s = &samples{}
				by[f] = s
				fs = append(fs, f)
			}
			for _, packed := range more.lat[f] {
				lat := packed >> 1
				for _, s := range []*samples{s, all} {
					s.completed = append(s.completed, lat)
					if packed&1 == 1 {
						s.ok = append(s.ok, lat)
					}
				}
			}
		}
	}
	sort.Strings(fs)
	figures := func(f string, s *samples) PerfByF {
		return PerfByF{F: f, OK: perfFigures(s.ok, spanNS), Completed: perfFigures(s.completed, spanNS)}
	}
	for _, f := range fs {
		d.ByF = append(d.ByF, figures(f, by[f]))
	}
	d.Total = figures("", all)
	l := d.Total.OK.Latency
	summary := fmt.Sprintf("perf: %d ok of %d completed operations over %.3fs, %.1f ok/s; ok latency p50 %.3fms p99 %.3fms max %.3fms",
		d.Total.OK.Count, d.Total.Completed.Count, d.SpanSeconds, d.Total.OK.Throughput, l.P50, l.P99, l.Max)
	if timed := spanNS > 0 || len(h) == 0; !timed && d.Total.Completed.Count > 0 {
		summary = fmt.Sprintf("perf: %d ok of %d completed operations; the history has no times, so no latency or throughput", d.Total.OK.Count, d.Total.Completed.Count)
	}
	if back > 0 {
		summary += fmt.Sprintf("; %s went back in time and %s measured at the latest time before", countOf(back, "event's time", "events' times"), map[bool]string{true: "was", false: "were"}[back == 1])
	}
	return Result{Valid: Valid, Details: d, Summary: summary}
}

// perfFigures summarises latencies (nanoseconds; sorted in place) over a
// span of spanNS nanoseconds.
func perfFigures(lat []int64, spanNS int64) PerfFigures {
	p := PerfFigures{Count: len(lat)}
	if len(lat) == 0 {
		return p
	}
	if spanNS > 0 {
		p.Throughput = float64(len(lat)) * 1e9 / float64(spanNS)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	var sum int64
	for _, x := range lat {
		sum += x
	}
	ms := func(ns int64) float64 { return float64(ns) / 1e6 }
	p.Latency = Latency{
		P50:  ms(nearestRank(lat, 500)),
		P90:  ms(nearestRank(lat, 900)),
		P95:  ms(nearestRank(lat, 950)),
		P99:  ms(nearestRank(lat, 990)),
		Max:  ms(lat[len(lat)-1]),
		Mean: float64(sum) / float64(len(lat)) / 1e6,
	}
	return p
}

// nearestRank is the nearest-rank quantile of sorted (non-empty) at permille
// q: the element of rank ceil(q*n/1000), in integer arithmetic.
func nearestRank(sorted []int64, q int) int64 {
	rank := (q*len(sorted) + 999) / 1000
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}
