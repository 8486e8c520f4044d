package raft

import "raftcheck/raft/quorum"

// campaignKind distinguishes a pre-vote round from a real election.
type campaignKind uint8

const (
	campaignPreElection campaignKind = iota + 1
	campaignElection
	// campaignTransfer is an election the leader handed over
	// (transfer.go): no pre-vote, and voters in a lease grant it.
	campaignTransfer
)

// hup starts an election because the election timeout passed. With PreVote
// the node first asks whether it could win (thesis §9.6).
func (r *raft) hup() {
	if r.state == StateLeader || !r.promotable() {
		return
	}
	if r.preVote {
		r.campaign(campaignPreElection)
	} else {
		r.campaign(campaignElection)
	}
}

// campaign asks every other voter for its (pre-)vote, carrying our last log
// index and term so they can apply the election restriction (§5.4.1).
func (r *raft) campaign(kind campaignKind) {
	var voteType MessageType
	var term, context uint64
	if kind == campaignTransfer {
		context = transferContext
	}
	if kind == campaignPreElection {
		r.becomePreCandidate()
		voteType = MsgPreVote
		term = r.term + 1 // the term we would campaign in; ours stays
	} else {
		r.becomeCandidate()
		voteType = MsgVote
		term = r.term
	}
	// We vote for ourselves; a one-node cluster wins on the spot.
	if _, _, res := r.poll(r.id, true); res == quorum.VoteWon {
		r.wonElection(kind)
		return
	}
	for _, id := range r.trk.VoterIDs() {
		if id == r.id {
			continue
		}
		r.send(Message{Type: voteType, To: id, Term: term, Index: r.log.lastIndex(), LogTerm: r.log.lastTerm(), Context: context})
	}
}

// wonElection moves on from a won round: a won pre-vote becomes a real
// election, a won election makes us leader (§5.2).
func (r *raft) wonElection(kind campaignKind) {
	if kind == campaignPreElection {
		r.campaign(campaignElection)
		return
	}
	r.becomeLeader()
	r.bcastAppend()
}

// poll records one voter's answer and returns the tally.
func (r *raft) poll(id uint64, grant bool) (granted, rejected int, result quorum.VoteResult) {
	r.trk.RecordVote(id, grant)
	return r.trk.TallyVotes()
}

// handleVoteRequest answers MsgVote and MsgPreVote. Step has already
// brought our term up to date (for a real vote) or left it alone (for a
// pre-vote), and dropped requests with a stale term.
//
// A vote is granted only if all of these hold:
//   - we have not voted for someone else in this term (Figure 2: votedFor is
//     null or candidateId), and know no leader of this term; for a pre-vote
//     about a later term our vote in this term is irrelevant;
//   - for a pre-vote: we have not heard from a leader within the election
//     timeout (thesis §9.6; with CheckQuorum, Step already ignored such
//     requests for a higher term);
//   - the candidate's log is at least as up-to-date as ours (§5.4.1), so
//     a leader always holds every committed entry (Leader Completeness).
//
// A real vote is recorded in r.vote before the reply is queued; the Ready
// contract makes it durable before the reply leaves, so a crash can never
// make us vote twice in one term. Granting also resets the election timer
// (Figure 2, "Followers").
func (r *raft) handleVoteRequest(m Message) {
	respType := MsgVoteResp
	if m.Type == MsgPreVote {
		respType = MsgPreVoteResp
	}
	if r.joining {
		// It lost its state: a vote now could elect a stale log.
		r.send(Message{Type: respType, To: m.From, Term: r.term, Reject: true})
		return
	}
	canVote := r.vote == m.From ||
		(r.vote == None && r.lead == None) ||
		(m.Type == MsgPreVote && m.Term > r.term)
	// A node in a leader's lease refuses pre-votes (§9.6) and, with
	// CheckQuorum, votes too, even in its own term: a stale response from
	// a node stuck in a higher term can move it to that term without
	// ending the lease a leader's reads may rely on. A repeated request
	// from the candidate it already voted for is answered as before.
	leaderAlive := r.inLease() && (m.Type == MsgPreVote || (r.checkQuorum && r.vote != m.From)) &&
		!(m.Type == MsgVote && m.Context == transferContext) // the leader gave its lease up
	if canVote && !leaderAlive && r.log.isUpToDate(m.Index, m.LogTerm) {
		r.send(Message{Type: respType, To: m.From, Term: m.Term})
		if m.Type == MsgVote {
			r.electionElapsed = 0
			r.vote = m.From
		}
		return
	}
	r.send(Message{Type: respType, To: m.From, Term: r.term, Reject: true})
}
