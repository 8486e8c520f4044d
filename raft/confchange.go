package raft

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// This file is membership change's data: a configuration (ConfState), a
// change to one (ConfChange, carried in an EntryConfChange), and the rules
// that turn one configuration and a change into the next (ConfState.Apply).
// How a node uses them, from the moment a change enters its log, is
// membership.go.

// ConfState is a cluster configuration, as the log and snapshots carry it.
// Voters decide; while a joint change is in progress (thesis §4.3),
// VotersOutgoing are the voters being left, and a decision needs a
// majority of both. Learners receive the log and never vote or count.
// AutoLeave says the leader leaves the joint configuration by itself once
// it commits. Every list is sorted, without repeats; a node is in at most
// one of Voters and Learners.
type ConfState struct {
	Voters         []uint64
	VotersOutgoing []uint64
	Learners       []uint64
	AutoLeave      bool
}

// Joint reports whether a joint change is in progress.
func (cs ConfState) Joint() bool { return len(cs.VotersOutgoing) > 0 }

// IsVoter reports whether id votes, in either half.
func (cs ConfState) IsVoter(id uint64) bool {
	return slices.Contains(cs.Voters, id) || slices.Contains(cs.VotersOutgoing, id)
}

// IsMember reports whether id votes or learns.
func (cs ConfState) IsMember(id uint64) bool {
	return cs.IsVoter(id) || slices.Contains(cs.Learners, id)
}

// Equal reports whether two configurations are the same.
func (cs ConfState) Equal(o ConfState) bool {
	return slices.Equal(cs.Voters, o.Voters) && slices.Equal(cs.VotersOutgoing, o.VotersOutgoing) &&
		slices.Equal(cs.Learners, o.Learners) && cs.AutoLeave == o.AutoLeave
}

// String renders the configuration, e.g. "voters=(1 2 4)&&(1 2 3)
// learners=(5) autoleave".
func (cs ConfState) String() string {
	ids := func(l []uint64) string {
		parts := make([]string, len(l))
		for i, id := range l {
			parts[i] = strconv.FormatUint(id, 10)
		}
		return "(" + strings.Join(parts, " ") + ")"
	}
	s := "voters=" + ids(cs.Voters)
	if cs.Joint() {
		s += "&&" + ids(cs.VotersOutgoing)
	}
	if len(cs.Learners) > 0 {
		s += " learners=" + ids(cs.Learners)
	}
	if cs.AutoLeave {
		s += " autoleave"
	}
	return s
}

// ConfChangeType is what one step of a change does to one node.
type ConfChangeType uint8

const (
	// AddVoter makes a node a voter: a new one, or a learner promoted.
	AddVoter ConfChangeType = iota + 1
	// AddLearner makes a new node a learner. (A voter is not demoted in
	// place: remove it, then add it as a learner.)
	AddLearner
	// RemoveNode takes a voter or a learner out of the configuration.
	RemoveNode
)

func (t ConfChangeType) String() string {
	switch t {
	case AddVoter:
		return "add-voter"
	case AddLearner:
		return "add-learner"
	case RemoveNode:
		return "remove"
	}
	return "ConfChangeType(" + strconv.Itoa(int(t)) + ")"
}

// ConfChangeTransition says how a change is made.
type ConfChangeTransition uint8

const (
	// TransitionAuto changes at most one voter directly (a single-server
	// change, thesis §4.1) and anything larger through a joint
	// configuration the leader leaves on its own once it commits.
	TransitionAuto ConfChangeTransition = iota
	// TransitionJointImplicit always goes through a joint configuration,
	// left by the leader on its own.
	TransitionJointImplicit
	// TransitionJointExplicit enters a joint configuration and stays there
	// until the caller proposes the empty change that leaves it.
	TransitionJointExplicit
)

// ConfChangeSingle is one step of a change.
type ConfChangeSingle struct {
	Type   ConfChangeType
	NodeID uint64
}

// ConfChange is a change of configuration, proposed with
// RawNode.ProposeConfChange. An empty Changes leaves a joint
// configuration.
type ConfChange struct {
	Transition ConfChangeTransition
	Changes    []ConfChangeSingle
}

// LeavesJoint reports whether cc is the change that leaves a joint
// configuration.
func (cc ConfChange) LeavesJoint() bool { return len(cc.Changes) == 0 }

// String renders the change, e.g. "add-voter 4, remove 3 (joint)".
func (cc ConfChange) String() string {
	if cc.LeavesJoint() {
		return "leave joint"
	}
	parts := make([]string, len(cc.Changes))
	for i, c := range cc.Changes {
		parts[i] = c.Type.String() + " " + strconv.FormatUint(c.NodeID, 10)
	}
	s := strings.Join(parts, ", ")
	switch cc.Transition {
	case TransitionJointImplicit:
		s += " (joint)"
	case TransitionJointExplicit:
		s += " (joint, explicit leave)"
	}
	return s
}

const confChangeVersion = 1

// Encode is the change as an EntryConfChange's data.
func (cc ConfChange) Encode() []byte {
	b := []byte{confChangeVersion, byte(cc.Transition)}
	b = binary.AppendUvarint(b, uint64(len(cc.Changes)))
	for _, c := range cc.Changes {
		b = append(b, byte(c.Type))
		b = binary.AppendUvarint(b, c.NodeID)
	}
	return b
}

// ErrBadConfChange wraps every reason a change cannot be decoded or made.
var ErrBadConfChange = errors.New("raft: bad configuration change")

// DecodeConfChange reads an EntryConfChange's data.
func DecodeConfChange(b []byte) (ConfChange, error) {
	var cc ConfChange
	if len(b) < 2 || b[0] != confChangeVersion {
		return cc, fmt.Errorf("%w: not an encoded change", ErrBadConfChange)
	}
	cc.Transition, b = ConfChangeTransition(b[1]), b[2:]
	if cc.Transition > TransitionJointExplicit {
		return cc, fmt.Errorf("%w: transition %d", ErrBadConfChange, cc.Transition)
	}
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return cc, fmt.Errorf("%w: change count", ErrBadConfChange)
	}
	b = b[k:]
	for range n {
		if len(b) < 2 {
			return cc, fmt.Errorf("%w: short", ErrBadConfChange)
		}
		c := ConfChangeSingle{Type: ConfChangeType(b[0])}
		id, k := binary.Uvarint(b[1:])
		if k <= 0 {
			return cc, fmt.Errorf("%w: node id", ErrBadConfChange)
		}
		c.NodeID, b = id, b[1+k:]
		cc.Changes = append(cc.Changes, c)
	}
	if len(b) != 0 {
		return cc, fmt.Errorf("%w: %d bytes after the changes", ErrBadConfChange, len(b))
	}
	return cc, nil
}

// Apply returns the configuration cc makes of cs, or an error (wrapping
// ErrBadConfChange) if it cannot be made from cs:
//
//   - leaving a joint configuration needs one to leave; entering or making
//     any other change while joint is refused (one change at a time);
//   - a direct change (TransitionAuto) may add or remove at most one voter:
//     any two majorities of configurations that differ by one voter
//     intersect (thesis §4.1), of two that differ by more they need not;
//   - a change never leaves no voters, names node 0, changes a node twice,
//     adds a node that is already in that role, demotes a voter in place,
//     or removes a node that is not a member.
func (cs ConfState) Apply(cc ConfChange) (ConfState, error) {
	fail := func(format string, args ...any) (ConfState, error) {
		return cs, fmt.Errorf("%w: %s: "+format, append([]any{ErrBadConfChange, cc}, args...)...)
	}
	if cc.LeavesJoint() {
		if !cs.Joint() {
			return fail("not in a joint configuration")
		}
		next := cs.clone()
		next.VotersOutgoing, next.AutoLeave = nil, false
		return next, nil
	}
	if cs.Joint() {
		return fail("a joint configuration must be left first")
	}
	next := cs.clone()
	seen := map[uint64]bool{}
	votersChanged := 0
	for _, c := range cc.Changes {
		id := c.NodeID
		switch {
		case id == None:
			return fail("node 0")
		case seen[id]:
			return fail("node %d changed twice", id)
		}
		seen[id] = true
		voter, learner := slices.Contains(next.Voters, id), slices.Contains(next.Learners, id)
		switch c.Type {
		case AddVoter:
			if voter {
				return fail("node %d is a voter already", id)
			}
			next.Learners = remove(next.Learners, id)
			next.Voters = insert(next.Voters, id)
			votersChanged++
		case AddLearner:
			if voter {
				return fail("node %d is a voter: remove it before adding it as a learner", id)
			}
			if learner {
				return fail("node %d is a learner already", id)
			}
			next.Learners = insert(next.Learners, id)
		case RemoveNode:
			if !voter && !learner {
				return fail("node %d is not a member", id)
			}
			if voter {
				votersChanged++
			}
			next.Voters = remove(next.Voters, id)
			next.Learners = remove(next.Learners, id)
		default:
			return fail("change type %d", c.Type)
		}
	}
	if len(next.Voters) == 0 {
		return fail("no voters would be left")
	}
	if cc.Transition == TransitionAuto && votersChanged <= 1 {
		return next, nil
	}
	// Through a joint configuration: the old voters stay as the outgoing
	// half until the change is left.
	next.VotersOutgoing = slices.Clone(cs.Voters)
	next.AutoLeave = cc.Transition != TransitionJointExplicit
	return next, nil
}

func (cs ConfState) clone() ConfState {
	return ConfState{Voters: slices.Clone(cs.Voters), VotersOutgoing: slices.Clone(cs.VotersOutgoing), Learners: slices.Clone(cs.Learners), AutoLeave: cs.AutoLeave}
}

func insert(ids []uint64, id uint64) []uint64 {
	i, found := slices.BinarySearch(ids, id)
	if found {
		return ids
	}
	return slices.Insert(ids, i, id)
}

func remove(ids []uint64, id uint64) []uint64 {
	if i, found := slices.BinarySearch(ids, id); found {
		return slices.Delete(ids, i, i+1)
	}
	return ids
}
