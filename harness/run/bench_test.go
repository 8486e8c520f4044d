package run_test

import (
	"runtime"
	"slices"
	"testing"
	"time"

	"raftcheck/checker"
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

// BenchmarkSystems runs the same simulated workload on each system under
// test, side by side in one run (issue 15): 5 nodes, 10 clients at 100
// operations a second on the register workload, 30 s simulated with
// partitions every 5 s, every checker inside the run on. One iteration is
// one run; it reports the wall time per simulated second, the operations
// that succeeded per simulated second, their simulated latency (invoke
// to ok) at the median and the 99th percentile, and (with -benchmem) the
// allocations of a run.
func BenchmarkSystems(b *testing.B) {
	for _, sys := range []string{"bundled", "etcd"} {
		b.Run("system="+sys, func(b *testing.B) {
			var sim time.Duration
			var latencies []time.Duration
			ok := 0
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				cfg := run.DefaultConfig(uint64(i + 1))
				cfg.System = sys
				cfg.Time = 30 * time.Second
				cfg.Trace = false
				out, err := run.Execute(cfg)
				if err != nil {
					b.Fatal(err)
				}
				sim += out.SimTime
				invoked := map[checker.Process]int64{}
				for _, e := range out.History {
					switch e.Type {
					case checker.Invoke:
						invoked[e.Process] = e.Time
					case checker.OK:
						latencies = append(latencies, time.Duration(e.Time-invoked[e.Process]))
						ok++
					}
				}
			}
			slices.Sort(latencies)
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/sim.Seconds(), "wall-ms/sim-s")
			b.ReportMetric(float64(ok)/sim.Seconds(), "ok-ops/sim-s")
			if len(latencies) > 0 {
				b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
			}
		})
	}
}
