package harness

import "runtime/metrics"

// heapMetric is the Go runtime's count of the heap's live bytes, as its
// last collection marked them: what a run retains, whatever garbage it has
// made since. (The process's whole heap is kept under the ceiling by the
// garbage collector itself: raftcheck sets its soft memory limit to it.)
const heapMetric = "/gc/heap/live:bytes"

// HeapLive is the bytes the process's heap retained at its last garbage
// collection. It reads the runtime's metrics, without stopping the world
// as ReadMemStats does.
func HeapLive() uint64 {
	sample := [1]metrics.Sample{{Name: heapMetric}}
	metrics.Read(sample[:])
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return sample[0].Value.Uint64()
}
