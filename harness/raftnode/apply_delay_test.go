package raftnode_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness"
	"raftcheck/harness/cluster"
	"raftcheck/harness/raftnode"
	"raftcheck/raft"
)

// applyWatch is an observer of every node, after the invariant checker,
// and the factory of a state machine on each that notes what it applied
// when: it records, for the entry at index, when each node first knew it
// committed (and what the node had applied then), when the observer was
// first told it was applied, and when the app first applied it, and how
// often.
type applyWatch struct {
	w     *harness.World
	index uint64 // 0 until the entry to watch is proposed

	committedAt map[uint64]time.Duration       // node -> first Stepped with Commit >= index
	appliedThen map[uint64]uint64              // node -> AppliedIndex at committedAt
	observedAt  map[uint64]time.Duration       // node -> Applied(index) to the observer
	appliedAt   map[harness.Addr]time.Duration // node -> first App.Apply(index)
	applies     map[harness.Addr]int           // node -> App.Apply(index) calls
	// apart counts the activations after which a node's AppliedIndex
	// and Commit differ.
	apart int
}

func newApplyWatch() *applyWatch {
	return &applyWatch{
		committedAt: map[uint64]time.Duration{}, appliedThen: map[uint64]uint64{},
		observedAt: map[uint64]time.Duration{}, appliedAt: map[harness.Addr]time.Duration{}, applies: map[harness.Addr]int{},
	}
}

func (a *applyWatch) Started(raftnode.View) error                         { return nil }
func (a *applyWatch) Appending(raftnode.View, uint64, []raft.Entry) error { return nil }
func (a *applyWatch) Ticking(raftnode.View) error                         { return nil }
func (a *applyWatch) Compacted(raftnode.View, raft.SnapshotMeta) error    { return nil }
func (a *applyWatch) Restored(raftnode.View, raft.SnapshotMeta) error     { return nil }

func (a *applyWatch) Applied(n raftnode.View, entries []raft.Entry) error {
	for _, e := range entries {
		if _, seen := a.observedAt[n.ID()]; a.index != 0 && e.Index == a.index && !seen {
			a.observedAt[n.ID()] = a.w.Now()
		}
	}
	return nil
}

func (a *applyWatch) Stepped(n raftnode.View) error {
	st := n.Status()
	if n.AppliedIndex() != st.Commit {
		a.apart++
	}
	if _, seen := a.committedAt[n.ID()]; a.index != 0 && !seen && st.Commit >= a.index {
		a.committedAt[n.ID()] = a.w.Now()
		a.appliedThen[n.ID()] = n.AppliedIndex()
	}
	return nil
}

// app is the state machine: it notes when it applies the watched entry.
type app struct {
	a *applyWatch
	h raftnode.Host
}

func (p *app) Start(h raftnode.Host) { p.h = h }
func (p *app) Apply(e raft.Entry) {
	if p.a.index != 0 && e.Index == p.a.index {
		addr := p.h.Env().Addr()
		if _, seen := p.a.appliedAt[addr]; !seen {
			p.a.appliedAt[addr] = p.a.w.Now()
		}
		p.a.applies[addr]++
	}
}
func (p *app) ReadStates([]raft.ReadState)  {}
func (p *app) Snapshot() []byte             { return nil }
func (p *app) Restore(uint64, []byte) error { return nil }
func (p *app) Receive(harness.Addr, any)    {}
func (p *app) Timer(uint64)                 {}
func (a *applyWatch) newApp() raftnode.App  { return &app{a: a} }

var _ raftnode.Observer = (*applyWatch)(nil)

// applyDelayCluster is three nodes on a 1ms network with 1ms fsyncs whose
// state machines apply delay after Raft hands entries over.
func applyDelayCluster(t *testing.T, delay time.Duration) (*cluster.Cluster, *applyWatch) {
	t.Helper()
	a := newApplyWatch()
	cfg := cluster.DefaultConfig(1)
	cfg.Nodes = 3
	cfg.Network = harness.NetworkConfig{Latency: harness.Constant(hop)}
	cfg.Disk = harness.DiskConfig{SyncLatency: harness.Constant(time.Millisecond)}
	cfg.Raft.ApplyDelay = delay
	cfg.Watch = a
	cfg.NewApp = a.newApp
	c, err := cluster.New(cfg)
	require.NoError(t, err)
	a.w = c.World
	return c, a
}

// A committed entry reaches the state machine (the observer's Applied,
// App.Apply, AppliedIndex) ApplyDelay after Raft hands it over, on every
// node; with no delay, at once. Raft hands an entry over at the latest one
// fsync after the node learns it is committed (a Ready waiting for its
// fsync holds its committed entries), hence the slack.
func TestApplyDelay(t *testing.T) {
	const slack = time.Millisecond // one fsync
	for _, delay := range []time.Duration{0, 30 * time.Millisecond, 250 * time.Millisecond} {
		t.Run(delay.String(), func(t *testing.T) {
			c, a := applyDelayCluster(t, delay)
			w := c.World
			require.NoError(t, w.Run(time.Second), "an election on an idle cluster")
			leader := c.Leader()
			require.NotNil(t, leader)
			require.Equal(t, leader.Status().Commit, leader.AppliedIndex(), "the idle leader applied what it committed")
			a.apart = 0

			index, _, err := leader.Propose([]byte("x"))
			require.NoError(t, err)
			a.index = index
			stepUntil(t, w, time.Second, func() bool { return leader.Status().Commit >= index })
			committedAt := w.Now()
			if delay > 0 {
				assert.Less(t, leader.AppliedIndex(), leader.Status().Commit, "right after the commit the leader's state machine is behind")
				require.NoError(t, w.Run(committedAt+delay-time.Microsecond))
				assert.Less(t, leader.AppliedIndex(), index, "just short of ApplyDelay after the commit the entry is not applied")
			}
			require.NoError(t, w.Run(committedAt+delay+slack))
			assert.Equal(t, leader.Status().Commit, leader.AppliedIndex(), "ApplyDelay after the commit the leader caught up")

			require.NoError(t, w.RunFor(delay+100*time.Millisecond), "the invariants held")
			for _, id := range c.Peers.IDs() {
				n := c.Node(id)
				require.NotNil(t, n)
				at, ok := a.committedAt[id]
				require.True(t, ok, "n%d learned the entry committed", id)
				observed, ok := a.observedAt[id]
				require.True(t, ok, "n%d's observer saw the entry applied", id)
				applied, ok := a.appliedAt[c.Addr(id)]
				require.True(t, ok, "n%d's app applied the entry", id)
				assert.Equal(t, observed, applied, "n%d: the observer and the app are told together", id)
				assert.Equal(t, 1, a.applies[c.Addr(id)], "n%d: the app applied the entry once", id)
				assert.GreaterOrEqual(t, observed, at+delay, "n%d: applied no sooner than ApplyDelay after it knew the entry committed", id)
				assert.LessOrEqual(t, observed, at+delay+slack, "n%d: applied ApplyDelay after Raft handed it over", id)
				if delay > 0 {
					assert.Less(t, a.appliedThen[id], index, "n%d: when it learned the commit, its state machine was behind", id)
				}
				assert.Equal(t, n.Status().Commit, n.AppliedIndex(), "n%d caught up", id)
			}
			if delay == 0 {
				assert.Zero(t, a.apart, "with no delay AppliedIndex and Commit move together")
			} else {
				assert.Positive(t, a.apart, "with a delay AppliedIndex trails Commit")
			}
		})
	}
}

func TestApplyDelayValidate(t *testing.T) {
	tests := []struct {
		delay time.Duration
		ok    bool
	}{
		{-time.Nanosecond, false},
		{-time.Second, false},
		{0, true},
		{time.Nanosecond, true},
		{time.Second, true},
	}
	for _, tc := range tests {
		t.Run(tc.delay.String(), func(t *testing.T) {
			cfg := raftnode.DefaultConfig()
			cfg.ApplyDelay = tc.delay
			err := cfg.Validate()
			ccfg := cluster.DefaultConfig(1)
			ccfg.Raft = cfg
			_, cerr := cluster.New(ccfg)
			if tc.ok {
				assert.NoError(t, err)
				assert.NoError(t, cerr)
			} else {
				assert.ErrorContains(t, err, "apply delay must not be negative")
				assert.ErrorContains(t, cerr, "apply delay must not be negative", "a cluster refuses it too")
			}
		})
	}
}
