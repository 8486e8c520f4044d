package quorum

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// MajorityConfig is a set of voter IDs. A decision needs more than half of
// them. The set is a map for membership tests; every walk over it goes
// through IDs(), which is sorted, so no result depends on map order.
type MajorityConfig map[uint64]struct{}

// NewMajorityConfig returns the set of the given voter IDs.
func NewMajorityConfig(ids ...uint64) MajorityConfig {
	c := make(MajorityConfig, len(ids))
	for _, id := range ids {
		c[id] = struct{}{}
	}
	return c
}

// IDs returns the voters in increasing order.
func (c MajorityConfig) IDs() []uint64 {
	ids := make([]uint64, 0, len(c))
	for id := range c {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Contains reports whether id is a voter.
func (c MajorityConfig) Contains(id uint64) bool {
	_, ok := c[id]
	return ok
}

// Quorum is the smallest number of voters that forms a majority: n/2+1.
// Any two quorums of the same configuration intersect in at least one voter,
// which is the fact every Raft safety argument rests on.
func (c MajorityConfig) Quorum() int {
	return len(c)/2 + 1
}

// String renders the set as "(1 2 3)".
func (c MajorityConfig) String() string {
	var b strings.Builder
	b.WriteByte('(')
	for i, id := range c.IDs() {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatUint(id, 10))
	}
	b.WriteByte(')')
	return b.String()
}

// AckedIndexer tells, for a voter, the highest log index it is known to hold
// (the leader's Match for that follower). found is false for a voter the
// caller knows nothing about; such a voter counts as holding index 0.
type AckedIndexer interface {
	AckedIndex(voterID uint64) (index uint64, found bool)
}

// MapAckIndexer is an AckedIndexer backed by a map, convenient in tests.
type MapAckIndexer map[uint64]uint64

// AckedIndex implements AckedIndexer.
func (m MapAckIndexer) AckedIndex(id uint64) (uint64, bool) {
	idx, ok := m[id]
	return idx, ok
}

// CommittedIndex returns the largest index that a majority of voters hold:
// sort the acknowledged indexes in decreasing order and take the one at
// position quorum-1. At least quorum voters hold an index >= that one.
//
// This is only the counting half of the commit rule. The caller must still
// check that the entry at the returned index is from its current term
// (Figure 8, §5.4.2); quorum cannot know about terms.
//
// An empty configuration returns math.MaxUint64: it places no constraint,
// so that a joint configuration (later) can take the minimum of its halves.
func (c MajorityConfig) CommittedIndex(l AckedIndexer) uint64 {
	n := len(c)
	if n == 0 {
		return math.MaxUint64
	}
	// Small clusters use a stack buffer: this runs on every acknowledgement.
	var stack [7]uint64
	acked := stack[:0]
	if n > len(stack) {
		acked = make([]uint64, 0, n)
	}
	// Map order does not matter here: the indexes are sorted below, and
	// the result depends only on the multiset of values.
	for id := range c {
		idx, _ := l.AckedIndex(id) // unknown voters hold 0
		acked = append(acked, idx)
	}
	slices.Sort(acked) // increasing
	// In increasing order the quorum-th largest sits at n-quorum.
	return acked[n-c.Quorum()]
}
