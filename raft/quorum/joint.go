package quorum

import "math"

// JointConfig is a configuration of Raft's joint consensus (thesis §4.3):
// the incoming voters and, while a change is in progress, the outgoing
// ones. A decision needs a majority of each: an index is committed only
// once a majority of both halves hold it, and an election is won only with
// a majority of both. Outside a change the outgoing half is empty, and an
// empty half decides nothing (CommittedIndex returns math.MaxUint64, a
// vote is won), so a JointConfig with one half is exactly its
// MajorityConfig.
type JointConfig [2]MajorityConfig

// NewJointConfig returns the joint configuration of incoming and outgoing
// voters (outgoing empty outside a change).
func NewJointConfig(incoming, outgoing []uint64) JointConfig {
	return JointConfig{NewMajorityConfig(incoming...), NewMajorityConfig(outgoing...)}
}

// Joint reports whether a change is in progress: the outgoing half has
// voters.
func (c JointConfig) Joint() bool { return len(c[1]) > 0 }

// Contains reports whether id votes in either half.
func (c JointConfig) Contains(id uint64) bool {
	return c[0].Contains(id) || c[1].Contains(id)
}

// IDs returns the voters of both halves, each once, in increasing order.
func (c JointConfig) IDs() []uint64 {
	union := NewMajorityConfig(c[0].IDs()...)
	for id := range c[1] {
		union[id] = struct{}{}
	}
	return union.IDs()
}

// CommittedIndex is the largest index a majority of each half holds.
func (c JointConfig) CommittedIndex(l AckedIndexer) uint64 {
	idx := c[0].CommittedIndex(l)
	if c.Joint() { // on every acknowledgement: count the second half only if there is one
		idx = min(idx, c[1].CommittedIndex(l))
	}
	if idx == math.MaxUint64 {
		return 0 // no voters at all: nothing is committed by counting
	}
	return idx
}

// VoteResult decides an election by both halves: won when both are won,
// lost as soon as either is lost.
func (c JointConfig) VoteResult(votes map[uint64]bool) VoteResult {
	r0, r1 := c[0].VoteResult(votes), c[1].VoteResult(votes)
	switch {
	case r0 == r1:
		return r0
	case r0 == VoteLost || r1 == VoteLost:
		return VoteLost
	}
	return VotePending
}

// String renders the configuration as "(1 2 3)", or "(1 2 4)&&(1 2 3)"
// while joint.
func (c JointConfig) String() string {
	if !c.Joint() {
		return c[0].String()
	}
	return c[0].String() + "&&" + c[1].String()
}
