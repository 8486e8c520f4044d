package simtarget

import (
	"fmt"
	"time"

	"raftcheck/harness"
	"raftcheck/harness/cluster"
	"raftcheck/harness/raftnode"
	"raftcheck/nemesis"
	"raftcheck/raft"
	"raftcheck/raft/wal"
)

// Target is a simulated world's nodes as the nemesis sees them.
type Target struct {
	world  *harness.World
	addrs  []harness.Addr // the nodes, in address order
	names  []string       // their names, in the same order
	leader func() (harness.Addr, bool)
	// status is a running node's Raft state; ok is false while it is down
	// or when the system shows none.
	status func(a harness.Addr) (nemesis.NodeStatus, bool)
	rand   *harness.Stream
	// network and disk are the world's configuration before any fault:
	// what a zero field of LinkFaults or DiskFaults stands for.
	network harness.NetworkConfig
	disk    harness.DiskConfig
	// members is the system's configuration, nil for a system whose
	// membership cannot change.
	members *cluster.Cluster
}

var _ nemesis.Target = (*Target)(nil)

// New adapts the world's nodes at addrs (in address order) with the given
// leader. It takes the world's network and disk configuration now as the
// one faults are laid over, and the world's "nemesis" stream as the
// nemesis's randomness.
func New(w *harness.World, addrs []harness.Addr, leader func() (harness.Addr, bool), status func(harness.Addr) (nemesis.NodeStatus, bool)) *Target {
	t := &Target{
		world: w, addrs: addrs, leader: leader, status: status, rand: w.Seeds().Stream("nemesis"),
		network: w.Network(), disk: w.DiskConfig(),
	}
	for _, a := range addrs {
		t.names = append(t.names, w.Name(a))
	}
	return t
}

// ForCluster adapts the bundled Raft's simulated cluster, whose leader is
// the running node that believes it leads the highest term.
func ForCluster(c *cluster.Cluster) *Target {
	leader := func() (harness.Addr, bool) {
		l := c.Leader()
		if l == nil {
			return 0, false
		}
		return c.Addr(l.ID()), true
	}
	rc := c.Config().Raft
	status := func(a harness.Addr) (nemesis.NodeStatus, bool) {
		id, ok := c.Peers.ID(a)
		if !ok {
			return nemesis.NodeStatus{}, false
		}
		n := c.Node(id)
		if n == nil {
			return nemesis.NodeStatus{}, false
		}
		st := n.Status()
		role := nemesis.Follower
		switch st.State {
		case raft.StateLeader:
			role = nemesis.Leader
		case raft.StateCandidate, raft.StatePreCandidate:
			role = nemesis.Candidate
		}
		return nemesis.NodeStatus{
			Role: role, Term: st.Term, Voted: st.Vote != raft.None, Commit: st.Commit, LastIndex: st.LastIndex, Snapshot: st.Snapshot,
			ElectionTimeout: time.Duration(rc.ElectionTick) * rc.TickInterval,
			HandedOver:      st.HandedOver,
		}, true
	}
	t := New(c.World, c.Peers.Addrs, leader, status)
	t.members = c
	return t
}

// Configuration is the configuration the leader has in force.
func (t *Target) Configuration() (nemesis.Configuration, error) {
	if t.members == nil {
		return nemesis.Configuration{}, fmt.Errorf("simtarget: membership: %w", nemesis.ErrUnsupported)
	}
	cs, committed, ok := t.members.Configuration()
	if !ok {
		return nemesis.Configuration{}, fmt.Errorf("simtarget: no leader")
	}
	return nemesis.Configuration{Voters: t.nodeNames(cs.Voters), Outgoing: t.nodeNames(cs.VotersOutgoing), Learners: t.nodeNames(cs.Learners), Committed: committed}, nil
}

// ChangeMembership proposes the change to the leader: one change of
// voters directly (raft.TransitionAuto), more than one, or one asked for
// Joint, through a joint configuration the leader leaves by itself.
func (t *Target) ChangeMembership(m nemesis.MembershipChange) error {
	if t.members == nil {
		return fmt.Errorf("simtarget: membership: %w", nemesis.ErrUnsupported)
	}
	cc := raft.ConfChange{Transition: raft.TransitionAuto}
	if m.Joint {
		cc.Transition = raft.TransitionJointImplicit
	}
	add := func(typ raft.ConfChangeType, names []string) error {
		for _, name := range names {
			a, err := t.addr(name)
			if err != nil {
				return err
			}
			id, _ := t.members.Peers.ID(a)
			cc.Changes = append(cc.Changes, raft.ConfChangeSingle{Type: typ, NodeID: id})
		}
		return nil
	}
	if err := add(raft.AddVoter, m.AddVoters); err != nil {
		return err
	}
	if err := add(raft.AddLearner, m.AddLearners); err != nil {
		return err
	}
	if err := add(raft.RemoveNode, m.Remove); err != nil {
		return err
	}
	return t.members.ProposeConfChange(cc)
}

// TransferLeadership asks the leader to hand its office to node.
func (t *Target) TransferLeadership(node string) error {
	if t.members == nil {
		return fmt.Errorf("simtarget: leadership transfer: %w", nemesis.ErrUnsupported)
	}
	a, err := t.addr(node)
	if err != nil {
		return err
	}
	id, _ := t.members.Peers.ID(a)
	return t.members.TransferLeadership(id)
}

// nodeNames are the names of the nodes with the given IDs.
func (t *Target) nodeNames(ids []uint64) []string {
	if len(ids) == 0 {
		return nil
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if a, ok := t.members.Peers.Addr(id); ok {
			out = append(out, t.world.Name(a))
		}
	}
	return out
}

// Status is a node's Raft state; a node that is down has none.
func (t *Target) Status(node string) (nemesis.NodeStatus, error) {
	a, err := t.addr(node)
	if err != nil {
		return nemesis.NodeStatus{}, err
	}
	if t.status == nil {
		return nemesis.NodeStatus{}, fmt.Errorf("simtarget: status: %w", nemesis.ErrUnsupported)
	}
	st, ok := t.status(a)
	if !ok {
		return nemesis.NodeStatus{}, fmt.Errorf("simtarget: %s is down", node)
	}
	return st, nil
}

// Nodes are the nodes' names in address order. The slice is the target's
// own and must not be changed.
func (t *Target) Nodes() []string { return t.names }

// Leader is the node the cluster's leader function reports.
func (t *Target) Leader() (string, bool) {
	a, ok := t.leader()
	if !ok {
		return "", false
	}
	return t.world.Name(a), true
}

// State is the node's lifecycle state; an unknown name is down.
func (t *Target) State(node string) nemesis.NodeState {
	a, err := t.addr(node)
	if err != nil {
		return nemesis.NodeDown
	}
	switch t.world.State(a) {
	case harness.NodeUp:
		return nemesis.NodeUp
	case harness.NodePaused:
		return nemesis.NodePaused
	}
	return nemesis.NodeDown
}

// Now is the world's virtual time.
func (t *Target) Now() time.Duration { return t.world.Now() }

// After schedules f on the world.
func (t *Target) After(d time.Duration, f func()) { t.world.After(d, f) }

// Note writes a line into the world's trace.
func (t *Target) Note(format string, args ...any) { t.world.Note(format, args...) }

// Random is the world's "nemesis" stream.
func (t *Target) Random() nemesis.Rand { return t.rand }

// Cut cuts the one-way link between two nodes.
func (t *Target) Cut(from, to string) error {
	return t.link(from, to, t.world.Cut)
}

// Connect restores the one-way link between two nodes.
func (t *Target) Connect(from, to string) error {
	return t.link(from, to, t.world.Connect)
}

func (t *Target) link(from, to string, set func(from, to harness.Addr)) error {
	f, err := t.addr(from)
	if err != nil {
		return err
	}
	a, err := t.addr(to)
	if err != nil {
		return err
	}
	set(f, a)
	return nil
}

// Crash crashes a node.
func (t *Target) Crash(node string) error { return t.lifecycle(node, t.world.Crash) }

// Restart restarts a crashed node.
func (t *Target) Restart(node string) error { return t.lifecycle(node, t.world.Restart) }

// Pause pauses a node.
func (t *Target) Pause(node string) error { return t.lifecycle(node, t.world.Pause) }

// Resume resumes a paused node.
func (t *Target) Resume(node string) error { return t.lifecycle(node, t.world.Resume) }

func (t *Target) lifecycle(node string, do func(harness.Addr) error) error {
	a, err := t.addr(node)
	if err != nil {
		return err
	}
	return do(a)
}

// Clock is a node's clock offset from virtual time and its rate.
func (t *Target) Clock(node string) (time.Duration, nemesis.PPM, error) {
	a, err := t.addr(node)
	if err != nil {
		return 0, 0, err
	}
	c := t.world.Clock(a)
	return c.Offset(t.world.Now()), nemesis.PPM(c.Rate()), nil
}

// JumpClock jumps a node's clock.
func (t *Target) JumpClock(node string, delta time.Duration) error {
	a, err := t.addr(node)
	if err != nil {
		return err
	}
	return t.world.JumpClock(a, delta)
}

// SetClockRate sets a node's clock rate.
func (t *Target) SetClockRate(node string, rate nemesis.PPM) error {
	a, err := t.addr(node)
	if err != nil {
		return err
	}
	return t.world.SetClockRate(a, harness.PPM(rate))
}

// SetLinkFaults lays the packet faults over the starting network
// configuration.
func (t *Target) SetLinkFaults(f nemesis.LinkFaults) error {
	cfg := t.network
	if f.Loss > 0 {
		cfg.Drop = harness.Prob(f.Loss)
	}
	if f.Duplicate > 0 {
		cfg.Duplicate = harness.Prob(f.Duplicate)
	}
	if f.Reorder > 0 {
		cfg.Reorder = harness.Prob(f.Reorder)
	}
	if !f.Delay.IsZero() {
		cfg.Latency = Latency(f.Delay)
	}
	return t.world.SetNetwork(cfg)
}

// SetDiskFaults lays the disk faults over the starting disk configuration.
func (t *Target) SetDiskFaults(f nemesis.DiskFaults) error {
	cfg := t.disk
	if !f.FsyncLatency.IsZero() {
		cfg.SyncLatency = Latency(f.FsyncLatency)
	}
	if f.Torn > 0 {
		cfg.Torn = harness.Prob(f.Torn)
	}
	return t.world.SetDisk(cfg)
}

// SlowDisk slows one node's disk.
func (t *Target) SlowDisk(node string, lat nemesis.Latency) error {
	a, err := t.addr(node)
	if err != nil {
		return err
	}
	return t.world.SetDiskLatency(a, Latency(lat), lat.IsZero())
}

// CorruptDisk flips one bit of a down node's durable files where a
// checksum covers it: in its snapshot file, or in a WAL record that is not
// the last (damage to the last record, or to a length field, reads as a
// torn tail, which a crash can leave too).
func (t *Target) CorruptDisk(node string, pick uint64) (string, error) {
	a, err := t.addr(node)
	if err != nil {
		return "", err
	}
	if t.world.State(a) != harness.NodeDown {
		return "", fmt.Errorf("simtarget: %s must be down for its disk to be damaged", node)
	}
	d := t.world.Disk(a)
	snap := d.Durable(raftnode.SnapshotFile)
	spans := wal.Spans(d.Durable(raftnode.WALFile))
	bit := uint(pick>>56) % 8
	useSnap := len(snap) > 0 && (pick&1 == 0 || len(spans) < 2)
	switch {
	case useSnap:
		off := int((pick >> 1) % uint64(len(snap)))
		d.FlipBit(raftnode.SnapshotFile, off, bit)
		return fmt.Sprintf("bit %d of byte %d of its snapshot file (%d bytes)", bit, off, len(snap)), nil
	case len(spans) >= 2:
		r := spans[(pick>>1)%uint64(len(spans)-1)]
		// After the 4-byte length field: the checksum and what it covers.
		off := r.Off + 4 + int((pick>>17)%uint64(r.Len-4))
		d.FlipBit(raftnode.WALFile, off, bit)
		return fmt.Sprintf("bit %d of byte %d of its WAL, in the record at byte %d (%d records)", bit, off, r.Off, len(spans)), nil
	}
	return "", fmt.Errorf("simtarget: %s has no record a checksum covers before its last: %w", node, nemesis.ErrNothingToBreak)
}

// ReplacesDisks says a wiped node may rejoin as itself.
func (t *Target) ReplacesDisks() bool { return t.members != nil && t.members.ReplacesDisks() }

// WipeDisk replaces a down node's disk by an empty one.
func (t *Target) WipeDisk(node string) error {
	a, err := t.addr(node)
	if err != nil {
		return err
	}
	if t.members == nil {
		return fmt.Errorf("simtarget: wiping a disk: %w", nemesis.ErrUnsupported)
	}
	id, _ := t.members.Peers.ID(a)
	return t.members.Wipe(id)
}

func (t *Target) addr(node string) (harness.Addr, error) {
	for i, n := range t.names {
		if n == node {
			return t.addrs[i], nil
		}
	}
	return 0, fmt.Errorf("simtarget: no node %q", node)
}

// Latency is the simulated world's form of a nemesis latency.
func Latency(l nemesis.Latency) harness.Latency {
	return harness.Latency{Kind: harness.LatencyKind(l.Kind), Min: l.Min, Max: l.Max, Mean: l.Mean}
}
