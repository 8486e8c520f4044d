package raftnode_test

import (
	"testing"
	"time"

	"raftcheck/harness"
	"raftcheck/harness/cluster"
)

// TestATornWriteAfterAPartitionNeverAppliesAStaleEntry is the end-to-end
// form of raft/wal's TestATornHardStateNeverCommitsAStaleEntry, found in
// review: a follower partitioned with a deposed leader collects a stale
// suffix; after the heal it is crashed while the new leader's entries and a
// higher commit index are on their way to its disk, with torn writes on.
// Before the fix, seeds 100 and 168 broke State Machine Safety.
func TestATornWriteAfterAPartitionNeverAppliesAStaleEntry(t *testing.T) {
	seeds := uint64(200)
	if testing.Short() {
		seeds = 20
	}
	violations, reached := 0, 0
	for seed := uint64(1); seed <= seeds; seed++ {
		cfg := cluster.DefaultConfig(seed)
		cfg.Nodes = 5
		cfg.Disk = harness.DiskConfig{SyncLatency: harness.Constant(3 * time.Millisecond), Torn: harness.Prob(1)}
		c, err := cluster.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		p := c.StartProposer(2*time.Millisecond, 2)
		if err := c.World.Run(time.Second); err != nil {
			t.Fatal(err)
		}
		l := c.Leader()
		if l == nil {
			continue
		}
		oldTerm := l.Status().Term
		var f uint64 = 1
		if l.ID() == 1 {
			f = 2
		}
		var rest []harness.Addr
		for _, id := range c.Peers.IDs() {
			if id != l.ID() && id != f {
				rest = append(rest, c.Addr(id))
			}
		}
		c.World.Partition([]harness.Addr{c.Addr(l.ID()), c.Addr(f)}, rest)
		if err := c.World.RunFor(time.Second); err != nil {
			t.Fatal(err)
		}
		c.World.HealNetwork()
		fa := c.Addr(f)
		disk := c.World.Disk(fa)
		found := false
		deadline := c.World.Now() + time.Second
		for c.World.Now() < deadline {
			if !c.World.Step() {
				break
			}
			n := c.Live(f)
			if n == nil {
				break
			}
			st := n.Status()
			if disk.Unsynced() > 0 && st.Term > oldTerm && st.Commit > st.Persisted {
				found = true
				break
			}
		}
		if !found {
			continue
		}
		reached++
		if err := c.World.Crash(fa); err != nil {
			t.Fatal(err)
		}
		if err := c.World.Restart(fa); err != nil {
			t.Fatal(err)
		}
		err = c.World.RunFor(time.Second)
		p.Stop()
		if err != nil {
			violations++
			t.Logf("seed %d: %v", seed, err)
		}
	}
	if violations > 0 {
		t.Fatalf("%d seeds violated an invariant", violations)
	}
	if reached == 0 {
		t.Fatal("no seed reached a crash with an unsynced commit")
	}
}
