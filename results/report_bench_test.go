package results

import (
	"sync"
	"testing"
)

// countingWriter counts what the report writes, without keeping it.
type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

var (
	bench100kOnce sync.Once
	bench100k     Report
)

// BenchmarkWriteReport100k writes the report of a 100,000-operation
// register history (10 processes, 100 keys, about 330 s of virtual time,
// a fault every 5 s, five nodes' Raft samples every 50 ms). The history is
// made and checked once, outside the timing; the figure is WriteReport
// alone, with Porcupine's view of the keys it embeds. It reports the
// page's size as MB/report.
//
//	go test ./results/ -run '^$' -bench WriteReport100k -benchtime 5x
func BenchmarkWriteReport100k(b *testing.B) {
	bench100kOnce.Do(func() {
		s := newSynth(b, 100_000, 10, 100, 42)
		c := s.check(b)
		bench100k = Report{Run: s.run, History: s.history, Raft: s.raft, Linearizability: c.Linearizability}
	})
	var size int64
	for b.Loop() {
		w := &countingWriter{}
		if err := WriteReport(w, bench100k); err != nil {
			b.Fatal(err)
		}
		size = w.n
	}
	b.ReportMetric(float64(size)/1e6, "MB/report")
}
