package raft

import "raftcheck/raft/tracker"

// This file holds the role transitions. Each sets the role's tick and step
// functions and resets the role's volatile state.

// reset moves to term (forgetting the vote if the term changes: one vote
// per term, Figure 2) and clears all per-term volatile state.
func (r *raft) reset(term uint64) {
	if r.term != term {
		r.term = term
		r.vote = None
		r.handedOver = false // a handover belongs to its term
	}
	r.lead = None
	r.electionElapsed = 0
	r.heartbeatElapsed = 0
	r.resetRandomizedElectionTimeout()
	r.trk.ResetVotes()
	// Reads not yet confirmed cannot be confirmed in another term or by
	// a node that stops leading (§6.4): report them lost.
	r.abandonReads()
	// Transfers belong to a leadership: a new leader starts afresh.
	clear(r.outgoing)
	r.abortTransfer()
	r.uncommitted = 0 // a new leader counts its own proposals

	// Forget what we knew of peers' logs: a new leader learns it afresh
	// (§5.3: nextIndex starts just after the leader's last entry).
	last := r.log.lastIndex()
	r.trk.Visit(func(id uint64, pr *tracker.Progress) {
		pr.Match = 0
		if id == r.id {
			// Our own log counts only as far as it is durable.
			pr.Match = r.log.persisted
		}
		pr.BecomeProbe()
		pr.Next = last + 1
		pr.RecentActive = false
	})
}

// becomeFollower makes this node a follower in term, following lead (None
// if unknown).
func (r *raft) becomeFollower(term, lead uint64) {
	r.reset(term)
	r.lead = lead
	r.state = StateFollower
	r.tick = r.tickElection
	r.step = r.stepFollower
}

// becomePreCandidate starts a pre-vote (thesis §9.6). Term and vote do NOT
// change: the whole point is to find out whether an election could succeed
// before disturbing anyone's term. A fresh randomized timeout is drawn so
// that two pre-candidates that collided do not collide again.
func (r *raft) becomePreCandidate() {
	r.lead = None
	r.electionElapsed = 0
	r.resetRandomizedElectionTimeout()
	r.trk.ResetVotes()
	r.state = StatePreCandidate
	r.tick = r.tickElection
	r.step = r.stepCandidate
}

// becomeCandidate starts an election (§5.2): increment the term and vote
// for ourselves.
func (r *raft) becomeCandidate() {
	r.reset(r.term + 1)
	r.vote = r.id
	r.state = StateCandidate
	r.tick = r.tickElection
	r.step = r.stepCandidate
}

// becomeLeader takes office in the current term and appends a no-op entry
// of the new term. Until an entry of its own term commits, a leader cannot
// commit anything (Figure 8, §5.4.2), so the no-op lets it commit what
// earlier leaders left behind without waiting for a client (§8).
// The caller then broadcasts the no-op.
func (r *raft) becomeLeader() {
	r.reset(r.term)
	r.lead = r.id
	// A leader hears from itself from the moment it is elected: with
	// CheckQuorum it disregards vote requests of later terms at once,
	// not only after its first tick (§4.2.3).
	r.leaseElapsed = 0
	r.state = StateLeader
	r.tick = r.tickHeartbeat
	r.step = r.stepLeader

	// A leader elected by a configuration it is not in (promotable) has
	// no Progress of its own: it counts nothing of its own log.
	if self := r.trk.Progress[r.id]; self != nil {
		self.BecomeReplicate() // we always know our own log
		self.RecentActive = true
	}
	r.appendEntry(Entry{Type: EntryNoOp})
}

// appendEntry appends e to the leader's log in the current term, at the next
// index, and returns its index. Our own Match is not touched: the entry
// counts towards a quorum only once the caller has persisted it.
func (r *raft) appendEntry(e Entry) uint64 {
	e.Term = r.term
	e.Index = r.log.lastIndex() + 1
	r.log.appendNew(e)
	if e.Type == EntryConfChange {
		r.logChanged(e.Index) // in force from now on, committed or not
	}
	return e.Index
}
