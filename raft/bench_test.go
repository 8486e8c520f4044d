package raft

import (
	"fmt"
	"testing"
)

// BenchmarkCommittedProposals measures committed proposals per wall-clock
// second on an in-memory cluster: the cost of the protocol itself (Ready
// handling, message processing, quorum arithmetic) with instant, lossless
// delivery and a "disk" that is a slice. Proposals are submitted in
// batches of 64 between network rounds, so replication pipelines.
//
//	go test -run '^$' -bench CommittedProposals ./raft/
func BenchmarkCommittedProposals(b *testing.B) {
	for _, size := range []int{3, 5} {
		b.Run(fmt.Sprintf("nodes=%d", size), func(b *testing.B) {
			benchmarkProposals(b, size)
		})
	}
}

func benchmarkProposals(b *testing.B, size int) {
	const batch = 64
	n := newNetwork(b, size, testOptions{maxInflight: 256, maxEntries: 64})
	n.record = false
	n.checkApplied = false
	n.elect(1)
	leader := n.nodes[1].rn
	data := []byte("benchmark-proposal")
	start := n.status(1).Commit

	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := leader.Propose(data); err != nil {
			b.Fatal(err)
		}
		if i%batch == batch-1 {
			n.stabilize()
		}
	}
	n.stabilize()
	b.StopTimer()

	if got := n.status(1).Commit - start; got != uint64(b.N) {
		b.Fatalf("committed %d proposals, want %d", got, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "proposals/s")
}
