package cluster_test

import (
	"fmt"
	"testing"
	"time"

	"raftcheck/harness/cluster"
)

// BenchmarkCommittedProposals measures proposals committed per wall-clock
// second in the simulation: a quiet cluster (1–5ms links, 0.1–2ms fsyncs),
// the proposer offering 8 commands every virtual millisecond to the leader,
// the invariant checker on every step. One iteration is one virtual second.
func BenchmarkCommittedProposals(b *testing.B) {
	for _, nodes := range []int{3, 5} {
		b.Run(fmt.Sprintf("nodes=%d", nodes), func(b *testing.B) { benchmarkProposals(b, nodes, cluster.Bundled{}) })
	}
}

// BenchmarkSystemsProposals is the same for each system under test, side
// by side in one run: the bundled Raft and go.etcd.io/raft.
func BenchmarkSystemsProposals(b *testing.B) {
	for _, name := range cluster.SystemNames() {
		sys, _ := cluster.LookupSystem(name)
		b.Run("system="+name, func(b *testing.B) { benchmarkProposals(b, 3, sys) })
	}
}

func benchmarkProposals(b *testing.B, nodes int, sys cluster.System) {
	cfg := cluster.DefaultConfig(1)
	cfg.System = sys
	cfg.Nodes = nodes
	c, err := cluster.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	// Let the cluster elect its leader before the clock starts.
	if err := c.World.Run(time.Second); err != nil {
		b.Fatal(err)
	}
	c.StartProposer(time.Millisecond, 8)
	start := c.Committed()
	events := c.World.Dispatched()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.World.RunFor(time.Second); err != nil {
			b.Fatal(err)
		}
	}
	committed := c.Committed() - start
	b.ReportMetric(float64(committed)/b.Elapsed().Seconds(), "proposals/s")
	b.ReportMetric(float64(committed)/float64(b.N), "proposals/sim-s")
	b.ReportMetric(float64(c.World.Dispatched()-events)/b.Elapsed().Seconds(), "events/s")
}
