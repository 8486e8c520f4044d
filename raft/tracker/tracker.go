package tracker

import "raftcheck/raft/quorum"

// ProgressTracker holds the configuration (who votes), the leader's
// per-peer Progress, and the votes of the current election.
type ProgressTracker struct {
	Voters   quorum.MajorityConfig
	Progress map[uint64]*Progress
	// Votes maps a voter to whether it granted this node's current
	// (pre-)candidacy; absent means no answer yet.
	Votes       map[uint64]bool
	MaxInflight int

	// ids is Voters in increasing order, computed once: every broadcast
	// walks it. A configuration change (later) must recompute it.
	ids []uint64
}

// NewProgressTracker tracks the given voters, each with a fresh Progress
// whose Next is 1.
func NewProgressTracker(voters []uint64, maxInflight int) *ProgressTracker {
	t := &ProgressTracker{
		Voters:      quorum.NewMajorityConfig(voters...),
		Progress:    make(map[uint64]*Progress, len(voters)),
		Votes:       make(map[uint64]bool, len(voters)),
		MaxInflight: maxInflight,
	}
	for _, id := range voters {
		t.Progress[id] = NewProgress(1, maxInflight)
	}
	t.ids = t.Voters.IDs()
	return t
}

// IDs returns every tracked peer in increasing order. The slice is shared:
// do not modify it.
func (t *ProgressTracker) IDs() []uint64 {
	return t.ids
}

// Visit calls f for every tracked peer in increasing ID order.
func (t *ProgressTracker) Visit(f func(id uint64, pr *Progress)) {
	for _, id := range t.IDs() {
		f(id, t.Progress[id])
	}
}

// AckedIndex implements quorum.AckedIndexer with the peers' Match.
func (t *ProgressTracker) AckedIndex(id uint64) (uint64, bool) {
	pr, ok := t.Progress[id]
	if !ok {
		return 0, false
	}
	return pr.Match, true
}

// Committed is the largest index held by a majority of voters. It is only a
// candidate for commitment: the leader must still check the entry's term.
func (t *ProgressTracker) Committed() uint64 {
	return t.Voters.CommittedIndex(t)
}

// QuorumActive reports whether a majority of voters (counting each peer's
// RecentActive flag) has been heard from. The leader marks itself active.
func (t *ProgressTracker) QuorumActive() bool {
	active := 0
	for _, id := range t.ids {
		if t.Progress[id].RecentActive {
			active++
		}
	}
	return active >= t.Voters.Quorum()
}

// ResetVotes forgets the votes of the previous election.
func (t *ProgressTracker) ResetVotes() {
	clear(t.Votes)
}

// RecordVote records id's answer. Only the first answer of a voter counts:
// a duplicated or reordered response must not flip a vote.
func (t *ProgressTracker) RecordVote(id uint64, granted bool) {
	if _, ok := t.Votes[id]; !ok {
		t.Votes[id] = granted
	}
}

// TallyVotes counts the votes and decides the election.
func (t *ProgressTracker) TallyVotes() (granted, rejected int, result quorum.VoteResult) {
	for _, id := range t.IDs() {
		v, voted := t.Votes[id]
		if !voted {
			continue
		}
		if v {
			granted++
		} else {
			rejected++
		}
	}
	return granted, rejected, t.Voters.VoteResult(t.Votes)
}
