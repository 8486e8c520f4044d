package raft

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Thesis §9.6: a pre-candidate asks about term+1 without changing its own
// term or vote, and receivers answer without changing theirs either.
func TestPreVoteChangesNoTerms(t *testing.T) {
	n := newNetwork(t, 3, testOptions{preVote: true})
	n.raft(1).hup()
	require.Equal(t, StatePreCandidate, n.status(1).State)
	assert.Equal(t, uint64(0), n.status(1).Term)
	assert.Equal(t, None, n.status(1).Vote)
	msgs := n.raft(1).readMessages()
	assert.Equal(t, []Message{
		{Type: MsgPreVote, From: 1, To: 2, Term: 1},
		{Type: MsgPreVote, From: 1, To: 3, Term: 1},
	}, msgs)

	require.NoError(t, n.nodes[2].rn.Step(msgs[0]))
	assert.Equal(t, uint64(0), n.status(2).Term, "a pre-vote does not change the receiver's term")
	assert.Equal(t, None, n.status(2).Vote, "nor its vote")
	assert.Equal(t, []Message{{Type: MsgPreVoteResp, From: 2, To: 1, Term: 1}}, n.raft(2).readMessages(),
		"the grant carries the term asked about")
}

// A won pre-vote turns into a real election in term+1, which is won.
func TestPreVoteThenElection(t *testing.T) {
	n := newNetwork(t, 3, testOptions{preVote: true})
	n.elect(1)
	assert.Equal(t, uint64(1), n.status(1).Term)
	preVotes := n.count(func(m Message) bool { return m.Type == MsgPreVote })
	votes := n.count(func(m Message) bool { return m.Type == MsgVote })
	assert.Equal(t, 2, preVotes)
	assert.Equal(t, 2, votes)
}

// A pre-vote is refused while the receiver hears from a leader (thesis
// §9.6: "if it has not received heartbeats from a valid leader for at least
// a baseline election timeout") and granted once the leader has been silent
// that long — CheckQuorum or not.
func TestPreVoteRefusedWhileLeaderAlive(t *testing.T) {
	for _, checkQuorum := range []bool{false, true} {
		r := newTestRaft(t, 1, ids(3), testOptions{checkQuorum: checkQuorum}, HardState{Term: 2}, entries(1, 2))
		r.becomeFollower(2, 3)
		preVote := Message{Type: MsgPreVote, From: 2, To: 1, Term: 3, Index: 2, LogTerm: 2}

		r.leaseElapsed = r.electionTimeout - 1
		require.NoError(t, r.Step(preVote))
		resp := r.readMessages()
		if checkQuorum {
			assert.Empty(t, resp, "with CheckQuorum a request inside the lease is ignored")
		} else {
			assert.Equal(t, []Message{{Type: MsgPreVoteResp, From: 1, To: 2, Term: 2, Reject: true}}, resp)
		}

		r.leaseElapsed = r.electionTimeout
		require.NoError(t, r.Step(preVote))
		assert.Equal(t, []Message{{Type: MsgPreVoteResp, From: 1, To: 2, Term: 3}}, r.readMessages(),
			"checkQuorum=%v: the leader has been silent an election timeout", checkQuorum)
		assert.Equal(t, uint64(2), r.term)
	}
}

// A pre-vote is refused to a candidate whose log is behind (§5.4.1 applies
// to pre-votes too).
func TestPreVoteRespectsElectionRestriction(t *testing.T) {
	r := newTestRaft(t, 1, ids(3), testOptions{preVote: true}, HardState{Term: 2}, entries(1, 2))
	require.NoError(t, r.Step(Message{Type: MsgPreVote, From: 2, To: 1, Term: 3, Index: 5, LogTerm: 1}))
	assert.Equal(t, []Message{{Type: MsgPreVoteResp, From: 1, To: 2, Term: 2, Reject: true}}, r.readMessages())
}

// The point of PreVote: a node cut off from the cluster keeps timing out.
// With PreVote its pre-votes fail while it is isolated, so its term stays
// put, and when it comes back the healthy cluster refuses its pre-vote:
// the leader keeps its term and its office.
func TestRejoiningNodeCannotDeposeLeaderWithPreVote(t *testing.T) {
	n := newNetwork(t, 3, testOptions{preVote: true})
	n.elect(1)
	n.isolate(3)
	n.tickAndStabilize(100)
	assert.Equal(t, uint64(1), n.status(3).Term, "pre-votes do not raise the isolated node's term")
	assert.Equal(t, StatePreCandidate, n.status(3).State)

	n.heal()
	n.tickAndStabilize(1)
	n.raft(3).hup()
	n.stabilize()
	assert.Equal(t, uint64(1), n.leader())
	assert.Equal(t, uint64(1), n.status(1).Term, "the leader keeps its term")
	assert.Equal(t, StateFollower, n.status(3).State)
	n.tickAndStabilize(2)
	assert.Equal(t, uint64(1), n.status(3).Lead, "the rejoined node follows the leader")
	n.requireNoStepErrors()
}

// The contrast: without PreVote each timeout of the isolated node bumps its
// term, and its higher term deposes the healthy leader when it returns.
func TestRejoiningNodeDeposesLeaderWithoutPreVote(t *testing.T) {
	n := newNetwork(t, 3, testOptions{})
	n.elect(1)
	n.isolate(3)
	n.tickAndStabilize(100)
	isoTerm := n.status(3).Term
	assert.Greater(t, isoTerm, uint64(3), "every timeout raised the isolated node's term")

	n.heal()
	n.tickAndStabilize(1)
	assert.NotEqual(t, StateLeader, n.status(1).State, "the higher term deposed the leader")
	assert.Equal(t, isoTerm, n.status(1).Term)
	n.requireNoStepErrors()
}

// A pre-candidate stuck in an old term (its pre-votes never raise it) learns
// the current term from a rejection and becomes a follower in it.
func TestPreCandidateLearnsHigherTermFromRejection(t *testing.T) {
	r := newTestRaft(t, 1, ids(3), testOptions{preVote: true}, HardState{Term: 1}, nil)
	r.hup()
	require.Equal(t, StatePreCandidate, r.state)
	require.NoError(t, r.Step(Message{Type: MsgPreVoteResp, From: 2, To: 1, Term: 5, Reject: true}))
	assert.Equal(t, StateFollower, r.state)
	assert.Equal(t, uint64(5), r.term)
}

// A grant from an older pre-vote round (asking about a term that is not
// our term+1) is not counted.
func TestStalePreVoteGrantIgnored(t *testing.T) {
	r := newTestRaft(t, 1, ids(3), testOptions{preVote: true}, HardState{Term: 4}, nil)
	r.hup()
	require.NoError(t, r.Step(Message{Type: MsgPreVoteResp, From: 2, To: 1, Term: 4}))
	assert.Equal(t, StatePreCandidate, r.state, "a grant for term 4 does not help a pre-vote for term 5")
	require.NoError(t, r.Step(Message{Type: MsgPreVoteResp, From: 2, To: 1, Term: 5}))
	assert.Equal(t, StateCandidate, r.state)
	assert.Equal(t, uint64(5), r.term)
}
