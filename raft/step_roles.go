package raft

import (
	"fmt"

	"raftcheck/raft/quorum"
)

// The role step functions see only messages whose term equals ours (Step
// dealt with the others) — except a pre-candidate, which also sees granted
// pre-votes for the term it asked about.

// stepFollower: a follower only listens to the leader of its term.
func (r *raft) stepFollower(m Message) error {
	switch m.Type {
	case MsgApp, MsgHeartbeat, MsgSnap:
		if err := r.followLeader(m.From); err != nil {
			return err
		}
		switch m.Type {
		case MsgApp:
			return r.handleAppendEntries(m)
		case MsgSnap:
			r.handleSnapshot(m)
		default:
			r.handleHeartbeat(m)
		}
	case MsgTimeoutNow:
		r.handleTimeoutNow(m)
	}
	// Anything else (late vote or append responses) is for a role we no
	// longer hold.
	return nil
}

// followLeader notes that from is the leader of our term and restarts the
// election timer (Figure 2: a follower times out only if it receives no
// AppendEntries from the current leader).
func (r *raft) followLeader(from uint64) error {
	if r.lead != None && r.lead != from {
		// Election Safety (§5.2): at most one leader per term.
		return fmt.Errorf("%w: %d and %d both lead term %d", ErrSafetyViolation, r.lead, from, r.term)
	}
	r.lead = from
	r.electionElapsed = 0
	r.leaseElapsed = 0
	return nil
}

// stepCandidate serves both pre-candidates and candidates.
func (r *raft) stepCandidate(m Message) error {
	respType, kind := MsgVoteResp, campaignElection
	if r.state == StatePreCandidate {
		respType, kind = MsgPreVoteResp, campaignPreElection
	}
	switch m.Type {
	case MsgApp, MsgHeartbeat, MsgSnap:
		// A leader exists in our term (a pre-candidate: in the term we
		// are still in): stop campaigning and follow it (§5.2).
		r.becomeFollower(m.Term, m.From)
		return r.stepFollower(m)
	case respType:
		if m.Type == MsgPreVoteResp && !m.Reject && m.Term != r.term+1 {
			return nil // a grant from an older pre-vote round
		}
		_, _, res := r.poll(m.From, !m.Reject)
		switch res {
		case quorum.VoteWon:
			r.wonElection(kind)
		case quorum.VoteLost:
			// A majority refused; wait for a leader or our next timeout.
			r.becomeFollower(r.term, None)
		}
	}
	return nil
}

// stepLeader handles replies from followers.
func (r *raft) stepLeader(m Message) error {
	pr := r.trk.Progress[m.From]
	if pr == nil && m.Type != MsgApp && m.Type != MsgHeartbeat && m.Type != MsgSnap {
		return nil // from a node outside the configuration: nothing to track
	}
	switch m.Type {
	case MsgAppResp:
		if m.Index > r.log.lastIndex() {
			return fmt.Errorf("%w: %s acknowledges beyond our last index %d", ErrMalformedMessage, m, r.log.lastIndex())
		}
		pr.RecentActive = true
		r.handleAppendResponse(m, pr)
	case MsgHeartbeatResp:
		if err := r.checkReadAck(m); err != nil {
			return err
		}
		pr.RecentActive = true
		r.handleHeartbeatResponse(m, pr)
		r.ackRead(m.From, m.Context)
	case MsgSnapResp:
		pr.RecentActive = true
		r.handleSnapshotResponse(m, pr)
	case MsgApp, MsgHeartbeat, MsgSnap:
		return fmt.Errorf("%w: leader %d received %s in its own term", ErrSafetyViolation, r.id, m)
	}
	return nil
}
