package checker

import "sort"

// OpSamples are what Stats and Perf need of client operations a history
// no longer holds: a long run evicts the events of the keys it has
// checked (so its memory depends on the keys in use, not on its length),
// and its stats and latencies must still count them. Per operation it
// keeps eight bytes, the latency and whether it was ok.
type OpSamples struct {
	counts map[string]*StatsCounts
	// lat holds, per function, latency<<1 | ok of each completed
	// operation, in nanoseconds.
	lat map[string][]int64
	// first and last are the earliest and latest client event times.
	first, last int64
	any         bool
}

// Add counts h's client operations in.
func (s *OpSamples) Add(h History) {
	if s.counts == nil {
		s.counts, s.lat = map[string]*StatsCounts{}, map[string][]int64{}
	}
	for i := range h {
		if h[i].Process == Nemesis {
			continue
		}
		t := h[i].Time
		if !s.any || t < s.first {
			s.first = t
		}
		if !s.any || t > s.last {
			s.last = t
		}
		s.any = true
	}
	for _, o := range h.Operations() {
		f := o.Invocation.F
		c := s.counts[f]
		if c == nil {
			c = &StatsCounts{F: f}
			s.counts[f] = c
		}
		countOperation(c, &o)
		if lat, ok := o.Latency(); ok {
			okBit := int64(0)
			if o.Type == OK {
				okBit = 1
			}
			s.lat[f] = append(s.lat[f], lat<<1|okBit)
		}
	}
}

// Operations is how many operations were added.
func (s *OpSamples) Operations() int {
	n := 0
	for _, c := range s.counts {
		n += c.Count
	}
	return n
}

// functions are the functions added, in order.
func (s *OpSamples) functions() []string {
	fs := make([]string, 0, len(s.counts))
	for f := range s.counts {
		fs = append(fs, f)
	}
	sort.Strings(fs)
	return fs
}

// countOperation adds one operation to c.
func countOperation(c *StatsCounts, o *Operation) {
	c.Count++
	switch {
	case !o.Completed():
		c.Unfinished++
	case o.Type == OK:
		c.OK++
	case o.Type == Fail:
		c.Fail++
	default:
		c.Info++
	}
}
