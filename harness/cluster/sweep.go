package cluster

import (
	"fmt"
	"time"

	"raftcheck/harness"
)

// SweepConfig is one seed of a seed sweep: faults, then a heal, then a
// liveness window.
type SweepConfig struct {
	Seed   uint64
	Nodes  int
	Faults time.Duration // how long faults are injected
	// Liveness is how long after the heal the cluster has to elect a
	// leader, commit a fresh proposal, and bring every node's commit index
	// up to the leader's.
	Liveness time.Duration
	Trace    bool
}

// SweepResult is what one seed did.
type SweepResult struct {
	Cluster   *Cluster
	Proposed  int
	Committed int
	Terms     int // terms that elected a leader
}

// Sweep runs one seed: a cluster with every fault on (lossy links, torn
// writes, crashes, pauses, partitions, clock faults) and a proposer, then a
// heal, then the liveness check. Every step of every node is checked by the
// invariant checker. The error is an invariant violation or a liveness
// failure, and names the seed.
func Sweep(sc SweepConfig) (SweepResult, error) {
	cfg := DefaultConfig(sc.Seed)
	cfg.Nodes = sc.Nodes
	cfg.Trace = sc.Trace
	cfg.Disk.Torn = harness.Prob(0.5)
	// Slow fsyncs widen the window in which a crash loses acknowledged
	// writes, should a node ever acknowledge before its write is durable.
	cfg.Disk.SyncLatency = harness.Uniform(500*time.Microsecond, 10*time.Millisecond)
	c, err := New(cfg)
	if err != nil {
		return SweepResult{}, err
	}
	res := SweepResult{Cluster: c}
	p := c.StartProposer(20*time.Millisecond, 2)
	c.ScheduleFaults(DefaultFaults(), sc.Faults)
	err = c.World.Run(sc.Faults)
	if err == nil {
		c.Heal()
		err = c.checkLiveness(sc.Liveness, p)
	}
	res.Proposed = p.Proposed
	res.Committed = c.Committed()
	res.Terms = len(c.Invariants.Leaders())
	return res, err
}

// checkLiveness runs the liveness window: after half of it, a leader must
// have committed a proposal made after the heal; by its end, with
// proposals stopped, every node must have caught up with the leader.
func (c *Cluster) checkLiveness(window time.Duration, p *Proposer) error {
	w := c.World
	before := c.Committed()
	if err := w.RunFor(window / 2); err != nil {
		return err
	}
	p.Stop()
	if after := c.Committed(); after <= before {
		return fmt.Errorf("liveness: seed %d: no proposal committed within %v of the heal (leader: %v)", c.cfg.Seed, window/2, c.describeLeader())
	}
	if err := w.RunFor(window - window/2); err != nil {
		return err
	}
	leader := c.Leader()
	if leader == nil {
		return fmt.Errorf("liveness: seed %d: no leader %v after the heal", c.cfg.Seed, window)
	}
	want := leader.Status().Commit
	for _, id := range c.Peers.IDs() {
		if got := c.Live(id).Status().Commit; got != want {
			return fmt.Errorf("liveness: seed %d: node %d's commit is %d, the leader's %d, %v after the heal", c.cfg.Seed, id, got, want, window)
		}
	}
	return nil
}

func (c *Cluster) describeLeader() string {
	if l := c.Leader(); l != nil {
		return l.Status().String()
	}
	return "none"
}
