package invariant

import (
	"cmp"
	"slices"

	"raftcheck/harness/raftnode"
	"raftcheck/raft"
)

// The checks of a changing configuration. A node's configuration is the
// latest change in its log, committed or not (thesis §4.1); a snapshot
// carries the configuration at its index. The checker keeps its own model
// of each node's configuration, built from what it saw enter the node's
// log, and holds the node to it; every quorum the other checks count is
// counted in a configuration the node (or the leader that committed the
// entry) had in force.
const (
	// ConfigThroughLog: a node's configuration is the one its log (and
	// the snapshot it starts from) says, changed at the moment a change
	// is appended or truncated away, never at commit or apply, and never
	// by anything outside the log.
	ConfigThroughLog = "Configuration Through the Log"
	// RemovedLeaderStepsDown (thesis §4.2.2): a leader that is not a
	// voter of its configuration leads only until that configuration
	// commits, and steps down then.
	RemovedLeaderStepsDown = "Removed Leader Steps Down"
	// JointLeft (thesis §4.3, etcd's auto-leave): a leader whose joint
	// configuration, with AutoLeave, has committed proposes the change
	// that leaves it at once (once it has committed an entry of its own
	// term: a leader learns the commit index only then); a configuration
	// left joint is one a cluster can stay stuck in (etcd #12136).
	JointLeft = "Joint Left"
	// VoteQuorum (§5.2, thesis §4.3): a candidate becomes leader only once
	// a majority of the voters of its configuration (of both halves while
	// it is joint), itself included if it votes, granted it their vote
	// for its term. A learner's vote, or a removed node's, counts for
	// nothing.
	VoteQuorum = "Vote Quorum"
)

// confModel is the checker's model of one node's configuration: the one
// its log starts from, and each change in its log with the configuration
// after it.
type confModel struct {
	// start is the snapshot's configuration; nil for a log that starts at
	// index 0, whose start is the initial configuration.
	start      *raft.ConfState
	startIndex uint64 // the snapshot's index, for start
	initial    func() raft.ConfState
	changes    []confPoint
	// scanned is the last entry of the node's log the model has read
	// (index 0: none, or the log's start).
	scanned indexTerm
	// onApply says a change takes effect when applied (Semantics), and
	// applied is the node's applied index as of its last step.
	onApply bool
	applied uint64
	// beforeConf is the configuration in force as the node's current step
	// began (its last step ended): kept as a value, since the step may
	// move the model's start past that index (a snapshot taken in it),
	// where at no longer knows the configuration.
	beforeConf raft.ConfState
	// apply makes a change (Semantics.ApplyConfChange; nil: the bundled
	// Raft's rule).
	apply func(cs raft.ConfState, cc raft.ConfChange) (raft.ConfState, error)
}

type confPoint struct {
	index, term uint64
	conf        raft.ConfState
}

// latest is the configuration in force: the latest change, or the start;
// the latest applied if changes take effect when applied.
func (m *confModel) latest() raft.ConfState {
	if m.onApply {
		return m.at(m.applied)
	}
	return m.last()
}

// last is the configuration the log's latest change makes, or the start.
func (m *confModel) last() raft.ConfState {
	if n := len(m.changes); n > 0 {
		return m.changes[n-1].conf
	}
	return m.startConf()
}

func (m *confModel) startConf() raft.ConfState {
	if m.start != nil {
		return *m.start
	}
	return m.initial()
}

// latestIndex is the index of the latest change, or of the log's start.
func (m *confModel) latestIndex() uint64 {
	if m.onApply {
		index := m.startIndex
		for _, p := range m.changes {
			if p.index > m.applied {
				break
			}
			index = p.index
		}
		return index
	}
	if n := len(m.changes); n > 0 {
		return m.changes[n-1].index
	}
	return m.startIndex
}

// at is the configuration in force at index.
func (m *confModel) at(index uint64) raft.ConfState {
	cs := m.startConf()
	for _, p := range m.changes {
		if p.index > index {
			break
		}
		cs = p.conf
	}
	return cs
}

// append records e if it is a change. A change that cannot be made from
// the configuration before it changes nothing, as in Raft: a leader never
// proposes one, and a follower must not diverge over it.
func (m *confModel) append(e raft.Entry) {
	if e.Type != raft.EntryConfChange {
		return
	}
	next := m.last() // each change is made from the one before it in the log
	if cc, err := raft.DecodeConfChange(e.Data); err == nil {
		apply := raft.ConfState.Apply
		if m.apply != nil {
			apply = m.apply
		}
		if cs, err := apply(next, cc); err == nil {
			next = cs
		}
	}
	m.changes = append(m.changes, confPoint{index: e.Index, term: e.Term, conf: next})
}

// initialConf is the configuration of a log that starts at index 0: the
// initial one, or none in a system whose initial configuration is a
// snapshot (Semantics.Initial).
// It is made again only when the world hands over another slice of
// voters (a cluster's never changes; a test's may), and shared: a change
// makes its configuration from a copy (raft.ConfState.Apply).
func (c *Checker) initialConf() raft.ConfState {
	if c.sem.Initial.Index > 0 {
		return raft.ConfState{}
	}
	from := c.world.Voters()
	same := len(from) == len(c.initialFrom) && (len(from) == 0 || &from[0] == &c.initialFrom[0])
	if !same || c.initial.Voters == nil && len(from) > 0 {
		voters := slices.Clone(from)
		slices.Sort(voters)
		c.initial, c.initialFrom = raft.ConfState{Voters: voters}, from
	}
	return c.initial
}

// confStarted rebuilds the model of n's configuration, at a start or
// after it installed a snapshot: from the snapshot's configuration
// (checked against the one the snapshot's taker had at that index) or the
// initial one, then every change in its log.
func (c *Checker) confStarted(n raftnode.View, what string) error {
	st := n.Status()
	m := c.confModel(n.ID())
	m.start = nil
	if st.Snapshot > 0 {
		got := n.SnapshotConf()
		m.start, m.startIndex = &got, st.Snapshot
		t, _ := n.Term(st.Snapshot)
		if want, ok := c.snapConfs[indexTerm{st.Snapshot, t}]; ok && !want.Equal(got) {
			return c.violation(ConfigThroughLog, n, "%s a snapshot of index %d/t%d with configuration %v, where the configuration at that index is %v", what, st.Snapshot, t, got, want)
		}
	}
	m.rescan(n, st)
	return c.checkConf(n, st)
}

// rescan reads n's whole log from its start.
func (m *confModel) rescan(n raftnode.View, st raft.Status) {
	t, _ := n.Term(st.Snapshot)
	m.changes, m.scanned = m.changes[:0], indexTerm{st.Snapshot, t}
	m.scan(n, st)
}

// scan reads the entries of n's log after the last one read, or the
// whole log again if that one is gone (truncated by a leader, or replaced
// by a snapshot's start). The model follows Raft's own log, written or
// not: a configuration is in force from the moment its entry is in the
// log, before the host is handed it to write. st is n's status now.
func (m *confModel) scan(n raftnode.View, st raft.Status) {
	// A snapshot's configuration is in force from the moment the node
	// holds it, as its log's start, whether applied yet or not.
	m.applied = max(n.AppliedIndex(), st.Snapshot)
	if t, ok := n.Term(m.scanned.index); m.scanned.index > st.LastIndex || !ok || t != m.scanned.term || m.scanned.index < st.Snapshot {
		t, _ := n.Term(st.Snapshot)
		m.changes, m.scanned = m.changes[:0], indexTerm{st.Snapshot, t}
		if st.Snapshot > 0 && (m.start == nil || m.startIndex != st.Snapshot) {
			// A snapshot the host has not reported yet (Raft installs
			// it before the host writes it; Restored then checks its
			// configuration): the node's own is all there is.
			got := n.SnapshotConf()
			m.start, m.startIndex = &got, st.Snapshot
		}
	}
	for i := m.scanned.index + 1; i <= st.LastIndex; i++ {
		e, ok := n.Entry(i)
		if !ok {
			break
		}
		m.append(e)
		m.scanned = indexTerm{e.Index, e.Term}
	}
}

// confCompacted records the configuration n's snapshot at snap must
// carry, for a node that later installs it, and checks the snapshot
// carries it.
func (c *Checker) confCompacted(n raftnode.View, snap raft.SnapshotMeta) error {
	// The model as of n's last step, which held the entries up to snap.
	m := c.confModel(n.ID())
	want := m.at(snap.Index)
	if got := n.SnapshotConf(); !got.Equal(want) {
		return c.violation(ConfigThroughLog, n, "took a snapshot of index %d/t%d with configuration %v, where its log's configuration at that index is %v", snap.Index, snap.Term, got, want)
	}
	if c.snapConfs == nil {
		c.snapConfs = map[indexTerm]raft.ConfState{}
	}
	c.snapConfs[indexTerm{snap.Index, snap.Term}] = want
	// The changes the snapshot covers are now its start.
	i := 0
	for i < len(m.changes) && m.changes[i].index <= snap.Index {
		i++
	}
	m.start, m.startIndex, m.changes = &want, snap.Index, append(m.changes[:0], m.changes[i:]...)
	return nil
}

// checkConf holds n's configuration to the model, brought up to date
// with its log. st is n's status now.
func (c *Checker) checkConf(n raftnode.View, st raft.Status) error {
	m := c.confModel(n.ID())
	m.scan(n, st)
	want := m.latest()
	if got := n.ConfState(); !got.Equal(want) {
		if m.onApply {
			return c.violation(ConfigThroughLog, n, "has configuration %v in force, where the latest it applied (applied index %d) is %v: in this system a configuration takes effect when it is applied", got, m.applied, want)
		}
		return c.violation(ConfigThroughLog, n, "has configuration %v in force, where the latest in its log (last index %d) is %v: a configuration takes effect when it is appended", got, st.LastIndex, want)
	}
	return nil
}

// checkLeaderConf checks what leader n must have done once its
// configuration committed: stepped down if it does not vote in it, and
// left it if it is joint with AutoLeave.
func (c *Checker) checkLeaderConf(n raftnode.View, st raft.Status) error {
	m := c.confModel(n.ID())
	at := m.latestIndex()
	if st.State != raft.StateLeader || st.Commit < at {
		return nil
	}
	conf := m.latest()
	switch {
	case len(conf.Voters) == 0:
		// A world that names no voters is not judged here.
	case !conf.Joint() && !conf.IsVoter(n.ID()):
		return c.violation(RemovedLeaderStepsDown, n, "still leads term %d though its configuration %v, which does not count it, committed at index %d (commit %d)", st.Term, conf, at, st.Commit)
	case conf.Joint() && conf.AutoLeave && !m.onApply:
		// (A system that applies changes proposes the leave when it
		// applies the joint one, in a Ready its host may not have taken
		// yet: the liveness check judges a cluster left joint.)
		if t, ok := n.Term(st.Commit); ok && t == st.Term {
			return c.violation(JointLeft, n, "leads term %d with the joint configuration %v committed at index %d (commit %d) and has not proposed leaving it", st.Term, conf, at, st.Commit)
		}
	}
	return nil
}

// mayCampaign says n votes in its configuration in force or in its
// latest committed one (OnlyVotersCampaign).
func (c *Checker) mayCampaign(n raftnode.View) bool {
	m := c.confModel(n.ID())
	in := m.latest()
	if len(in.Voters) == 0 {
		return true // a world that names no voters is not judged here
	}
	return in.IsVoter(n.ID()) || m.at(n.Status().Commit).IsVoter(n.ID())
}

// confOf is the configuration the checker's model says node id has in
// force (the initial one for a node it has not seen start). The node's
// own is held to it after every step (checkConf), so the quorum checks
// count in this one.
func (c *Checker) confOf(id uint64) raft.ConfState { return c.confModel(id).latest() }

// confModel is node id's model, a new one starting from the initial
// configuration if it had none.
func (c *Checker) confModel(id uint64) *confModel {
	m := c.confs.at(id)
	if m == nil {
		m = &confModel{initial: c.initialConf, onApply: c.sem.ConfOnApply, apply: c.sem.ApplyConfChange}
		c.confs.put(id, m)
	}
	return m
}

// HasQuorum reports whether the nodes for which in is true are a majority
// of cs's voters, and of its outgoing voters too while it is joint. A
// configuration without voters has no quorum. It is the checker's own
// count, independent of Raft's (raft/quorum), which it judges.
func HasQuorum(cs raft.ConfState, in func(id uint64) bool) bool {
	majority := func(ids []uint64) bool {
		n := 0
		for _, id := range ids {
			if in(id) {
				n++
			}
		}
		return n > len(ids)/2
	}
	if len(cs.Voters) == 0 || !majority(cs.Voters) {
		return false
	}
	return !cs.Joint() || majority(cs.VotersOutgoing)
}

// committedIn records that a leader with configuration conf moved the
// commit index every node has seen to index: the entries up to it were
// durable on a quorum of conf. Consecutive commits in one configuration
// share a point.
func (c *Checker) committedIn(index uint64, conf raft.ConfState) {
	if n := len(c.commitConfs); n > 0 && c.commitConfs[n-1].conf.Equal(conf) {
		c.commitConfs[n-1].index = index
		return
	}
	c.commitConfs = append(c.commitConfs, confPoint{index: index, conf: conf})
}

// committedConf is the configuration of the leader whose commit first
// covered index.
func (c *Checker) committedConf(index uint64) (raft.ConfState, bool) {
	i, _ := slices.BinarySearchFunc(c.commitConfs, index, func(p confPoint, index uint64) int {
		return cmp.Compare(p.index, index)
	})
	if i == len(c.commitConfs) {
		return raft.ConfState{}, false
	}
	return c.commitConfs[i].conf, true
}

// Blocks reports whether the nodes for which in is true leave the others
// no majority: of cs's voters, or of its outgoing voters while it is joint
// (a rival needs both then). Of four voters, two block.
func Blocks(cs raft.ConfState, in func(id uint64) bool) bool {
	rest := func(ids []uint64) bool {
		n := 0
		for _, id := range ids {
			if !in(id) {
				n++
			}
		}
		return n <= len(ids)/2
	}
	if len(cs.Voters) == 0 {
		return false
	}
	return rest(cs.Voters) || cs.Joint() && rest(cs.VotersOutgoing)
}
