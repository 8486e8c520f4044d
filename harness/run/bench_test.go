package run_test

import (
	"runtime"
	"testing"
	"time"

	"raftcheck/harness/run"
)

// BenchmarkDefaultRun measures the default run's simulation (DESIGN §7:
// 5 nodes, register workload, 60 s simulated, partitions, trace on),
// without the checks and the store: simulated seconds per wall second, and
// the heap in use at the end of the run.
func BenchmarkDefaultRun(b *testing.B) {
	var sim time.Duration
	var heap uint64
	for i := 0; i < b.N; i++ {
		out, err := run.Execute(run.DefaultConfig(uint64(i + 1)))
		if err != nil {
			b.Fatal(err)
		}
		sim += out.SimTime
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heap = max(heap, ms.HeapAlloc)
		runtime.KeepAlive(out)
	}
	b.ReportMetric(sim.Seconds()/b.Elapsed().Seconds(), "sim-s/s")
	b.ReportMetric(float64(heap)/(1<<20), "heap-MB")
}
