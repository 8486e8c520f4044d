package sweep

import (
	"fmt"
	"time"

	"raftcheck/harness"
	"raftcheck/harness/cluster"
	"raftcheck/harness/simtarget"
	"raftcheck/nemesis"
)

// Config is one seed of a seed sweep: faults, then a heal, then a
// liveness window.
type Config struct {
	Seed   uint64
	Nodes  int
	Faults time.Duration // how long faults are injected
	// Liveness is how long after the heal the cluster has to elect a
	// leader, commit a fresh proposal, and bring every node's commit index
	// up to the leader's.
	Liveness time.Duration
	Trace    bool
}

// Result is what one seed did.
type Result struct {
	Cluster   *cluster.Cluster
	Proposed  int
	Committed int
	Terms     int // terms that elected a leader
}

// Faults are the sweep's faults: every kind of the catalogue, one starting
// about every 100ms and lasting about as long, up to three at once. That
// is fifty times denser than a default run's, since the sweep has no
// clients to give time to: it is there to drive the Raft core through as
// many elections, crashes and recoveries as a seed can hold. (Measured on
// 300 seeds × {3, 5} nodes with a planted bug: at 100ms the sweep fails
// 321 of 600 runs with messages sent before their fsync and 21 with votes
// never persisted, against 88 and 3 at 200ms and 127 and 3 for the sweep's
// earlier schedule of its own.)
func Faults() nemesis.Config {
	return nemesis.Config{Kinds: nemesis.Kinds(), Interval: 100 * time.Millisecond, MaxActive: 3, Params: nemesis.DefaultParams()}
}

// Run runs one seed: a cluster with every fault of the catalogue on
// (Faults), torn writes and slow fsyncs, and a proposer; then a heal and
// the liveness check. Every step of every node is checked by the invariant
// checker. The error is an invariant violation or a liveness failure, and
// names the seed.
func Run(sc Config) (Result, error) {
	cfg := cluster.DefaultConfig(sc.Seed)
	cfg.Nodes = sc.Nodes
	cfg.Trace = sc.Trace
	cfg.Disk.Torn = harness.Prob(0.5)
	// Slow fsyncs widen the window in which a crash loses acknowledged
	// writes, should a node ever acknowledge before its write is durable.
	cfg.Disk.SyncLatency = harness.Uniform(500*time.Microsecond, 10*time.Millisecond)
	c, err := cluster.New(cfg)
	if err != nil {
		return Result{}, err
	}
	res := Result{Cluster: c}
	p := c.StartProposer(20*time.Millisecond, 2)
	nem := nemesis.Start(simtarget.ForCluster(c), Faults(), func(string, any) {}, sc.Faults)
	err = c.World.Run(sc.Faults)
	if err == nil {
		nem.Stop()
		c.Heal()
		err = checkLiveness(c, sc, p)
	}
	res.Proposed = p.Proposed
	res.Committed = c.Committed()
	res.Terms = len(c.Invariants.Leaders())
	return res, err
}

// checkLiveness runs the liveness window: after half of it, a leader must
// have committed a proposal made after the heal; by its end, with
// proposals stopped, every member of the leader's configuration must have
// caught up with it.
func checkLiveness(c *cluster.Cluster, sc Config, p *cluster.Proposer) error {
	w, window := c.World, sc.Liveness
	before := c.Committed()
	if err := w.RunFor(window / 2); err != nil {
		return err
	}
	p.Stop()
	if after := c.Committed(); after <= before {
		return fmt.Errorf("liveness: seed %d: no proposal committed within %v of the heal (leader: %v)", sc.Seed, window/2, describeLeader(c))
	}
	if err := w.RunFor(window - window/2); err != nil {
		return err
	}
	leader := c.Leader()
	if leader == nil {
		return fmt.Errorf("liveness: seed %d: no leader %v after the heal", sc.Seed, window)
	}
	want := leader.Status().Commit
	conf := leader.ConfState()
	for _, id := range c.Peers.IDs() {
		if !conf.IsMember(id) {
			continue // a node outside the configuration is owed nothing
		}
		n := c.Live(id)
		if n == nil {
			return fmt.Errorf("liveness: seed %d: node %d, a member, is down %v after the heal", sc.Seed, id, window)
		}
		if got := n.Status().Commit; got != want {
			return fmt.Errorf("liveness: seed %d: node %d's commit is %d, the leader's %d, %v after the heal", sc.Seed, id, got, want, window)
		}
	}
	return nil
}

func describeLeader(c *cluster.Cluster) string {
	if l := c.Leader(); l != nil {
		return l.Status().String()
	}
	return "none"
}
