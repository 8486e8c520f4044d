package tracker

import "fmt"

// Progress is the leader's knowledge of one peer's log.
//
// Invariants: Match < Next (everything up to Match is known to agree with
// the leader's log; Next is the first index not yet sent, or in StateProbe
// the index to probe with); Match only grows while one leader is in office.
type Progress struct {
	// Match is the highest index known to be replicated on the peer and to
	// agree with the leader's log (§5.3 matchIndex). It is learnt only from
	// acknowledgements, which the peer sends after the entries are durable.
	Match uint64
	// Next is the index of the next entry to send (§5.3 nextIndex).
	Next uint64
	// State is how entries are sent: one probe at a time, or pipelined.
	State StateType
	// ProbeSent is set in StateProbe after an append was sent; no further
	// append is sent until a reply or a heartbeat response clears it.
	ProbeSent bool
	// Inflights bounds the unacknowledged appends in StateReplicate.
	Inflights *Inflights
	// PendingSnapshot, in StateSnapshot, is the index of the snapshot
	// being sent; SnapshotOffset is how many of its bytes the follower has
	// acknowledged, where the next chunk starts. ProbeSent says a chunk is
	// in flight: no other goes until it is answered or a heartbeat
	// response clears the flag (the chunk or its answer was lost).
	PendingSnapshot uint64
	SnapshotOffset  uint64
	// SnapshotRewind, when Rewinding is set, is an offset before
	// SnapshotOffset that the follower said it holds (it lost part of
	// the transfer: a restart, a partial snapshot dropped). The leader
	// resumes there only at the next heartbeat response, not at once:
	// the answer may be a stale one, and acting on every answer at once
	// lets duplicated chunks and answers multiply without bound.
	SnapshotRewind uint64
	Rewinding      bool
	// Epoch tells this Progress apart from an earlier one of the same
	// peer: a leader numbers each Progress a configuration change creates
	// and stamps it on what it sends; answers stamped otherwise answer an
	// earlier membership of the peer and are ignored. 0 for the Progress
	// a leader starts its term with.
	Epoch uint64
	// RecentActive records whether the peer was heard from since the
	// leader's last CheckQuorum round; the leader resets it each election
	// timeout.
	RecentActive bool
}

// NewProgress returns the progress of a peer about which nothing is known
// yet: Match 0, Next as given, probing.
func NewProgress(next uint64, maxInflight int) *Progress {
	return &Progress{Next: next, State: StateProbe, Inflights: NewInflights(maxInflight)}
}

// BecomeProbe starts searching for the agreement point again, from just
// after the last index known to agree.
func (pr *Progress) BecomeProbe() {
	// Leaving StateSnapshot, the follower has the snapshot (or an index
	// after it): probe from just after whichever is later.
	next := pr.Match + 1
	if pr.State == StateSnapshot {
		next = max(next, pr.PendingSnapshot+1)
	}
	pr.State = StateProbe
	pr.ProbeSent = false
	pr.Next = next
	pr.PendingSnapshot, pr.SnapshotOffset = 0, 0
	pr.SnapshotRewind, pr.Rewinding = 0, false
	pr.Inflights.Reset()
}

// BecomeSnapshot starts sending the snapshot whose last index is index.
func (pr *Progress) BecomeSnapshot(index uint64) {
	pr.State = StateSnapshot
	pr.ProbeSent = false
	pr.PendingSnapshot, pr.SnapshotOffset = index, 0
	pr.SnapshotRewind, pr.Rewinding = 0, false
	pr.Inflights.Reset()
}

// BecomeReplicate starts pipelining from just after Match. Called once an
// append has been accepted, so Match is the agreement point.
func (pr *Progress) BecomeReplicate() {
	pr.State = StateReplicate
	pr.ProbeSent = false
	pr.Next = pr.Match + 1
	pr.PendingSnapshot, pr.SnapshotOffset = 0, 0
	pr.SnapshotRewind, pr.Rewinding = 0, false
	pr.Inflights.Reset()
}

// MaybeUpdate records an acknowledgement that the peer holds the leader's
// entries up to n. It returns false if n is old news (a duplicated or
// reordered ack), in which case nothing changes except possibly Next.
func (pr *Progress) MaybeUpdate(n uint64) bool {
	updated := false
	if pr.Match < n {
		pr.Match = n
		pr.ProbeSent = false
		updated = true
	}
	pr.Next = max(pr.Next, n+1)
	return updated
}

// SentEntries records that an append ending at lastIndex and carrying count
// entries was sent. In StateReplicate Next advances optimistically and the
// append occupies an inflight slot; in StateProbe the peer is paused until
// it answers.
func (pr *Progress) SentEntries(lastIndex uint64, count int) {
	switch pr.State {
	case StateReplicate:
		if count > 0 {
			pr.Next = lastIndex + 1
			pr.Inflights.Add(lastIndex)
		}
	case StateProbe:
		pr.ProbeSent = true
	}
}

// MaybeDecrTo handles a rejected append whose previous index was rejected.
// matchHint is the leader's best guess (from the follower's conflict hint) of
// the highest index that could still agree. It returns false if the
// rejection is stale: it answers an append other than the latest probe, or
// (in StateReplicate) an index already known to match.
func (pr *Progress) MaybeDecrTo(rejected, matchHint uint64) bool {
	if pr.State == StateSnapshot {
		// Only appends sent before the transfer can be rejected now; the
		// snapshot's acknowledgement will say where the follower is.
		return false
	}
	if pr.State == StateReplicate {
		// Everything up to Match is known to agree, so a rejection at or
		// below Match must be a delayed reply to an older append.
		if rejected <= pr.Match {
			return false
		}
		// A newer append was rejected: something in flight was lost or
		// reordered. Fall back to right after the agreement point.
		pr.Next = pr.Match + 1
		return true
	}
	// In StateProbe only one append is outstanding, the one with
	// prevIndex == Next-1; any other rejection is a stale duplicate.
	if pr.Next-1 != rejected {
		return false
	}
	// Jump back to the hint, but never below what is known to match
	// (the hint may be a conservative guess, Match is a fact).
	pr.Next = max(min(rejected, matchHint+1), pr.Match+1)
	pr.ProbeSent = false
	return true
}

// IsPaused reports whether no append may be sent to the peer right now.
func (pr *Progress) IsPaused() bool {
	switch pr.State {
	case StateProbe:
		return pr.ProbeSent
	case StateReplicate:
		return pr.Inflights.Full()
	default:
		return true
	}
}

// String renders the progress compactly and deterministically, e.g.
// "StateReplicate match=7 next=9 inflight=1/256 active".
func (pr *Progress) String() string {
	s := fmt.Sprintf("%s match=%d next=%d", pr.State, pr.Match, pr.Next)
	if pr.State == StateProbe && pr.ProbeSent {
		s += " probe-sent"
	}
	if pr.State == StateReplicate {
		s += fmt.Sprintf(" inflight=%d/%d", pr.Inflights.Count(), pr.Inflights.Cap())
	}
	if pr.State == StateSnapshot {
		s += fmt.Sprintf(" snapshot=%d offset=%d", pr.PendingSnapshot, pr.SnapshotOffset)
		if pr.ProbeSent {
			s += " chunk-sent"
		}
	}
	if pr.RecentActive {
		s += " active"
	}
	return s
}
