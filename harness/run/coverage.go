package run

import (
	"fmt"
	"sort"
	"strings"

	"raftcheck/harness/raftnode"
	"raftcheck/nemesis"
	"raftcheck/raft"
)

// coverage records which abstract behaviours of Raft a run reached: not
// lines of code, but the situations the literature's bugs live in (a
// leader committing over entries of earlier terms, a follower truncating a
// conflicting suffix, a read served across a leader change, a restart over
// a torn tail...). A guided soak keeps the runs that reach a point no run
// reached before and mutates them (soak --guided); every run's points are
// in results.json.
//
// It observes every node (a raftnode.Observer, after the invariant
// checker) and the service's reads (through the oracles), and never
// changes what happens.
type coverage struct {
	points map[string]bool
	nodes  int
	// per node: the last entry seen at the end of its log, the role and
	// term at its last step, to see truncations and step-downs; by node
	// ID, from 1.
	last []lastSeen
	// leaderTerm is the term of the last leader seen; readTerm the term of
	// the last read served.
	leaderTerm uint64
	readTerm   uint64
	// active counts the faults in force by group: every behaviour is
	// recorded with the groups in force when it happened, so that "a
	// leader committed over earlier terms while nodes were paused" is a
	// point of its own.
	active map[string]int
	// duringNow is during's answer for active as it is, "" when faults
	// changed since.
	duringNow string
}

// seen is what was last seen of node id.
func (c *coverage) seen(id uint64) *lastSeen {
	if id >= uint64(len(c.last)) {
		c.last = append(c.last, make([]lastSeen, id+1-uint64(len(c.last)))...)
	}
	return &c.last[id]
}

type lastSeen struct {
	seen        bool
	index, term uint64
	state       raft.StateType
	nodeTerm    uint64
	commit      uint64
	// member: what the node's own configuration says of it (outside, a
	// learner, a voter), joint whether it is joint, and removedIn the
	// term in which it last saw itself removed (0: never).
	member    membership
	joint     bool
	removedIn uint64
}

type membership uint8

const (
	outsider membership = iota
	learner
	voter
)

// memberOf is what cs makes of id.
func memberOf(cs raft.ConfState, id uint64) membership {
	switch {
	case cs.IsVoter(id):
		return voter
	case cs.IsMember(id):
		return learner
	}
	return outsider
}

func newCoverage(nodes int) *coverage {
	return &coverage{points: map[string]bool{}, nodes: nodes, last: make([]lastSeen, nodes+1), active: map[string]int{}}
}

// reach records a behaviour, under the fault groups in force.
func (c *coverage) reach(format string, args ...any) {
	point := format
	if len(args) > 0 {
		point = fmt.Sprintf(format, args...)
	}
	if c.duringNow == "" {
		c.duringNow = c.during()
	}
	c.points[point+" | "+c.duringNow] = true
}

// during names the fault groups in force, sorted, or "calm". Faults
// change rarely and points are reached often, so reach keeps the name in
// duringNow until the faults change.
func (c *coverage) during() string {
	var groups []string
	for g, n := range c.active {
		if n > 0 {
			groups = append(groups, g)
		}
	}
	if len(groups) == 0 {
		return "calm"
	}
	sort.Strings(groups)
	return strings.Join(groups, "+")
}

// Points are the points reached, sorted.
func (c *coverage) Points() []string {
	out := make([]string, 0, len(c.points))
	for p := range c.points {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

var _ raftnode.Observer = (*coverage)(nil)

func (c *coverage) Started(n raftnode.View) error {
	st := n.Status()
	c.reach("restart/with-log=%t", st.LastIndex > 0)
	if st.Snapshot > 0 {
		c.reach("restart/from-snapshot")
	}
	if st.LastIndex > st.Commit {
		c.reach("restart/with-uncommitted-tail")
	}
	if node, ok := n.(*raftnode.Node); ok && node.RecoveredTornBytes() > 0 {
		c.reach("restart/torn-tail")
	}
	*c.seen(n.ID()) = lastSeen{}
	return nil
}

func (c *coverage) Appending(n raftnode.View, prevTerm uint64, entries []raft.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	if first := entries[0]; prevTerm != 0 && first.Term != prevTerm {
		c.reach("append/across-terms")
	}
	c.reach("append/batch=%s", bucket(uint64(len(entries))))
	return nil
}

func (c *coverage) Applied(raftnode.View, []raft.Entry) error { return nil }

func (c *coverage) Compacted(n raftnode.View, _ raft.SnapshotMeta) error {
	c.reach("snapshot/taken-as=%s", n.Status().State)
	return nil
}

func (c *coverage) Restored(n raftnode.View, snap raft.SnapshotMeta) error {
	st := n.Status()
	c.reach("snapshot/installed")
	if st.LastIndex > snap.Index {
		c.reach("snapshot/installed-with-entries-after")
	}
	return nil
}

func (c *coverage) Ticking(raftnode.View) error { return nil }

func (c *coverage) Stepped(n raftnode.View) error {
	st := n.Status()
	id := n.ID()
	prev := *c.seen(id)
	seen := prev.seen
	if seen {
		if st.LastIndex < prev.index {
			c.reach("log/truncated-shorter")
		} else if e, ok := n.Entry(prev.index); ok && prev.index > 0 && e.Term != prev.term {
			c.reach("log/conflicting-suffix-replaced")
		}
		switch {
		case prev.state == raft.StateLeader && st.State != raft.StateLeader && st.Term == prev.nodeTerm:
			c.reach("leader/stepped-down-in-term") // CheckQuorum, or a transfer
		case prev.state == raft.StateLeader && st.State != raft.StateLeader:
			c.reach("leader/deposed-by-higher-term")
		case prev.state != st.State && st.State == raft.StatePreCandidate:
			c.reach("election/pre-vote")
		case prev.state == raft.StatePreCandidate && st.State == raft.StateFollower:
			c.reach("election/pre-vote-lost")
		}
		if st.State == raft.StateLeader && prev.state == raft.StateLeader && st.Commit > prev.commit {
			c.commitPoints(n, st)
		}
	}
	if st.State == raft.StateLeader && st.Term > c.leaderTerm {
		gap := st.Term - c.leaderTerm
		c.reach("election/won n=%d term-gap=%s", c.nodes, bucket(gap))
		if st.LastIndex > st.Commit {
			c.reach("election/won-with-uncommitted-entries")
		}
		c.leaderTerm = st.Term
	}
	cs := n.ConfState()
	member, joint := memberOf(cs, id), cs.Joint()
	removedIn := prev.removedIn
	if seen {
		c.membershipPoints(prev, st, member, joint)
		if prev.member != outsider && member == outsider {
			removedIn = st.Term
		}
	}
	lt := uint64(0)
	if e, ok := n.Entry(st.LastIndex); ok {
		lt = e.Term
	} else if node, ok := n.(*raftnode.Node); ok {
		lt, _ = node.Term(st.LastIndex) // the log ends where it was compacted
	}
	*c.seen(id) = lastSeen{seen: true, index: st.LastIndex, term: lt, state: st.State, nodeTerm: st.Term, commit: st.Commit,
		member: member, joint: joint, removedIn: removedIn}
	return nil
}

// membershipPoints are the changes of a node's own configuration since
// its last step: a joint configuration entered or left, the node added,
// promoted or removed (as what), a removed leader stepping down, and a
// node added back in the term it was removed in (the rejoin bug's shape).
func (c *coverage) membershipPoints(prev lastSeen, st raft.Status, member membership, joint bool) {
	switch {
	case !prev.joint && joint:
		c.reach("membership/joint-entered as=%s", st.State)
	case prev.joint && !joint:
		c.reach("membership/joint-left as=%s", st.State)
	}
	switch {
	case prev.member == member:
	case member == outsider:
		c.reach("membership/removed as=%s", prev.state)
	case prev.member == outsider && prev.removedIn != 0 && prev.removedIn == st.Term:
		c.reach("membership/re-added-in-term-removed")
	case prev.member == outsider:
		c.reach("membership/added as-learner=%t", member == learner)
	case prev.member == learner && member == voter:
		c.reach("membership/learner-promoted")
	}
	if prev.state == raft.StateLeader && st.State != raft.StateLeader && member != voter {
		c.reach("membership/removed-leader-stepped-down")
	}
}

// commitPoints are what a leader's commit advance covered: entries of
// earlier terms committed under one of its own (§5.4.2), and how many at
// once.
func (c *coverage) commitPoints(n raftnode.View, st raft.Status) {
	prev := c.seen(n.ID()).commit
	c.reach("commit/advance=%s", bucket(st.Commit-prev))
	for i := prev + 1; i <= st.Commit; i++ {
		if e, ok := n.Entry(i); ok && e.Term < st.Term {
			c.reach("commit/over-earlier-terms")
			return
		}
	}
}

// read notes a read served: how, and whether across a leader change.
func (c *coverage) read(how string, term uint64) {
	c.reach("read/%s", how)
	if c.readTerm != 0 && term > c.readTerm {
		c.reach("read/%s/after-leader-change", how)
	}
	c.readTerm = max(c.readTerm, term)
}

// fault notes a nemesis action (a kind starting, or "heal" with the kind
// healed as value), and whether a leader stood right after it struck.
func (c *coverage) fault(f string, value any, leader bool) {
	if f == "heal" {
		if kind, ok := value.(string); ok {
			if k, ok := nemesis.Lookup(kind); ok {
				c.active[k.Group]--
				c.duringNow = ""
			}
		}
		return
	}
	c.reach("fault/%s leader-after=%t", f, leader)
	if k, ok := nemesis.Lookup(f); ok {
		c.active[k.Group]++
		c.duringNow = ""
	}
}

// bucket is a count's order of magnitude: 0, 1, 2-9, 10-99, 100+.
func bucket(n uint64) string {
	switch {
	case n <= 1:
		return fmt.Sprint(n)
	case n < 10:
		return "2-9"
	case n < 100:
		return "10-99"
	}
	return "100+"
}
