package cluster

import (
	"errors"
	"fmt"
	"io"
	"time"

	"raftcheck/harness"
	"raftcheck/harness/invariant"
	"raftcheck/harness/raftnode"
	"raftcheck/raft"
)

// Config is a cluster to build.
type Config struct {
	Seed  uint64
	Nodes int
	Raft  raftnode.Config
	// Network and Disk are the world's starting configuration.
	Network harness.NetworkConfig
	Disk    harness.DiskConfig
	Trace   bool
	// TraceTo, with Trace, receives the trace's text as the run goes.
	TraceTo io.Writer `json:"-"`
	// NewApp builds the service each node runs (nil: none); it is called
	// again for every incarnation.
	NewApp func() raftnode.App `json:"-"`
	// Watch, if set, observes every node too, after the invariant checker
	// (a run's coverage, say).
	Watch raftnode.Observer `json:"-"`
	// System is the Raft implementation the nodes run (nil: Bundled).
	System System `json:"-"`
}

// DefaultConfig is a 5-node cluster on a network with 1–5ms latency and a
// disk whose fsync takes 0.1–2ms, with no faults.
func DefaultConfig(seed uint64) Config {
	return Config{
		Seed:    seed,
		Nodes:   5,
		Raft:    raftnode.DefaultConfig(),
		Network: harness.NetworkConfig{Latency: harness.Uniform(time.Millisecond, 5*time.Millisecond)},
		Disk:    harness.DiskConfig{SyncLatency: harness.Uniform(100*time.Microsecond, 2*time.Millisecond)},
	}
}

// Cluster is a world running Raft nodes with IDs 1..n.
type Cluster struct {
	World      *harness.World
	Peers      raftnode.Peers
	Invariants *invariant.Checker
	cfg        Config
	voters     []uint64 // Voters, computed once
}

// New builds the cluster; its nodes start at virtual time zero.
func New(cfg Config) (*Cluster, error) {
	if cfg.Nodes < 1 || cfg.Nodes > 64 {
		return nil, fmt.Errorf("cluster: nodes must be between 1 and 64, got %d", cfg.Nodes)
	}
	if err := cfg.Raft.Validate(); err != nil {
		return nil, err
	}
	if cfg.System == nil {
		cfg.System = Bundled{}
	}
	if err := cfg.System.Check(cfg.Raft); err != nil {
		return nil, err
	}
	w, err := harness.New(harness.Config{Seed: cfg.Seed, Network: cfg.Network, Disk: cfg.Disk, Trace: cfg.Trace, TraceTo: cfg.TraceTo})
	if err != nil {
		return nil, err
	}
	c := &Cluster{World: w, cfg: cfg}
	// AddNode assigns addresses in order, so node i+1 lives at address i.
	for i := 0; i < cfg.Nodes; i++ {
		c.Peers.Addrs = append(c.Peers.Addrs, harness.Addr(i))
	}
	c.Invariants = invariant.New(c, cfg.Seed)
	c.Invariants.SetStickiness(invariant.Stickiness{ElectionTick: cfg.Raft.ElectionTick, CheckQuorum: cfg.Raft.CheckQuorum})
	flow := invariant.FlowBounds{Uncommitted: cfg.Raft.MaxUncommittedBytes, Msg: cfg.Raft.MaxMsgBytes, CommittedPerReady: cfg.Raft.MaxCommittedBytesPerReady}
	if cfg.Raft.ApplyDelay > 0 {
		flow.CommittedPerReady = 0 // batches of several Readies are applied at once
	}
	c.Invariants.SetFlowBounds(flow)
	c.Invariants.SetSemantics(cfg.System.Semantics())
	w.AddTap(wireTap{c})
	for i := 0; i < cfg.Nodes; i++ {
		id := uint64(i + 1)
		var obs raftnode.Observer = c.Invariants
		if cfg.Watch != nil {
			obs = observers{c.Invariants, cfg.Watch}
		}
		if _, err := w.AddNode(fmt.Sprintf("n%d", id), cfg.System.NewNode(id, cfg.Raft, c.Peers, obs, cfg.NewApp)); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Config is the configuration the cluster was built from.
func (c *Cluster) Config() Config { return c.cfg }

// Now is the world's virtual time.
func (c *Cluster) Now() time.Duration { return c.World.Now() }

// Live is the live incarnation of node id, nil while it is crashed.
func (c *Cluster) Live(id uint64) raftnode.View {
	if n := c.Node(id); n != nil {
		return n
	}
	return nil
}

// Voters are the IDs of the initial configuration's voters
// (raftnode.Config.Voters, or every node); the slice is shared. Every
// later configuration is in the log: Configuration is the one in force.
func (c *Cluster) Voters() []uint64 {
	if c.voters == nil {
		c.voters = c.Peers.IDs()
		if len(c.cfg.Raft.Voters) > 0 {
			c.voters = c.cfg.Raft.Voters
		}
	}
	return c.voters
}

// Configuration is the configuration the leader has in force, and whether
// the change that made it has committed; ok is false without a leader.
func (c *Cluster) Configuration() (conf raft.ConfState, committed, ok bool) {
	l := c.Leader()
	if l == nil {
		return raft.ConfState{}, false, false
	}
	return l.ConfState(), l.Status().Commit >= l.ConfIndex(), true
}

// ProposeConfChange hands a change of configuration to the leader
// (raftnode.Node.ProposeConfChange).
func (c *Cluster) ProposeConfChange(cc raft.ConfChange) error {
	l := c.Leader()
	if l == nil {
		return errors.New("cluster: no leader to change the configuration")
	}
	_, _, err := l.ProposeConfChange(cc)
	return err
}

// TransferLeadership asks the leader to hand its office to node to.
func (c *Cluster) TransferLeadership(to uint64) error {
	l := c.Leader()
	if l == nil {
		return errors.New("cluster: no leader to hand its office over")
	}
	return l.TransferLeadership(to)
}

// Durable is the durable content of node id's WAL and snapshot file, and
// its disk's count of durable rewrites (invariant.World).
func (c *Cluster) Durable(id uint64) invariant.DurableFiles {
	addr, ok := c.Peers.Addr(id)
	if !ok {
		return invariant.DurableFiles{}
	}
	// A disk the nemesis damaged is judged by what it held before: the
	// damage is the disk's fault, and the node refuses to start on it.
	d := c.World.Disk(addr)
	return invariant.DurableFiles{WAL: d.Undamaged(raftnode.WALFile), Snapshot: d.Undamaged(raftnode.SnapshotFile), Rewrites: d.DurableRewrites()}
}

// Wipe replaces node id's disk by an empty one, as an operator replaces a
// failed disk; the node must be down. The checkers forget what it held
// and the votes it gave: it lost them by the operator's decision, which
// the operator makes only once the node is out of the configuration.
func (c *Cluster) Wipe(id uint64) error {
	if !c.ReplacesDisks() {
		return fmt.Errorf("cluster: %s never lets a node whose disk was lost rejoin under its old ID", c.cfg.System.Name())
	}
	addr, ok := c.Peers.Addr(id)
	if !ok {
		return fmt.Errorf("cluster: no node %d", id)
	}
	if c.World.State(addr) != harness.NodeDown {
		return fmt.Errorf("cluster: n%d must be down for its disk to be wiped", id)
	}
	c.World.Disk(addr).WipeLeaving(raftnode.JoiningFile)
	c.Invariants.Wiped(id)
	return nil
}

// ReplacesDisks says a node whose disk was wiped may rejoin under its old
// ID (not in etcd: Semantics.NoRejoinAfterWipe).
func (c *Cluster) ReplacesDisks() bool { return !c.cfg.System.Semantics().NoRejoinAfterWipe }

// Node is the live incarnation of node id, nil while it is crashed.
func (c *Cluster) Node(id uint64) Replica {
	addr, ok := c.Peers.Addr(id)
	if !ok {
		return nil
	}
	n, _ := c.World.Node(addr).(Replica)
	return n
}

// Up is node id if it is running and not paused.
func (c *Cluster) Up(id uint64) Replica {
	addr, ok := c.Peers.Addr(id)
	if !ok || c.World.State(addr) != harness.NodeUp {
		return nil
	}
	return c.Node(id)
}

// Leader is the running node that believes it leads the highest term, or
// nil. A stale leader in a lower term may also believe it leads; this is
// the one a client that could ask everyone would pick.
func (c *Cluster) Leader() Replica {
	var best Replica
	var bestTerm uint64
	for _, id := range c.Peers.IDs() {
		n := c.Up(id)
		if n == nil {
			continue
		}
		if st := n.Status(); st.State == raft.StateLeader && st.Term > bestTerm {
			best, bestTerm = n, st.Term
		}
	}
	return best
}

// Addr is the world address of node id.
func (c *Cluster) Addr(id uint64) harness.Addr {
	a, _ := c.Peers.Addr(id)
	return a
}

// observers tells each observer in turn; the first error wins.
type observers []raftnode.Observer

func (os observers) Started(n raftnode.View) error {
	return os.each(func(o raftnode.Observer) error { return o.Started(n) })
}

func (os observers) Appending(n raftnode.View, prevTerm uint64, entries []raft.Entry) error {
	return os.each(func(o raftnode.Observer) error { return o.Appending(n, prevTerm, entries) })
}

func (os observers) Applied(n raftnode.View, entries []raft.Entry) error {
	return os.each(func(o raftnode.Observer) error { return o.Applied(n, entries) })
}

func (os observers) Compacted(n raftnode.View, snap raft.SnapshotMeta) error {
	return os.each(func(o raftnode.Observer) error { return o.Compacted(n, snap) })
}

func (os observers) Restored(n raftnode.View, snap raft.SnapshotMeta) error {
	return os.each(func(o raftnode.Observer) error { return o.Restored(n, snap) })
}

func (os observers) Ticking(n raftnode.View) error {
	return os.each(func(o raftnode.Observer) error { return o.Ticking(n) })
}

func (os observers) Stepped(n raftnode.View) error {
	return os.each(func(o raftnode.Observer) error { return o.Stepped(n) })
}

func (os observers) each(f func(raftnode.Observer) error) error {
	for _, o := range os {
		if err := f(o); err != nil {
			return err
		}
	}
	return nil
}
