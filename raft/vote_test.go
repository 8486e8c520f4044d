package raft

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// §5.4.1, the election restriction: a voter denies its vote if its own log
// is more up-to-date than the candidate's. The later last term wins; with
// equal last terms, the longer log wins.
func TestVoteRestriction(t *testing.T) {
	voterLog := entries(1, 2, 2) // last index 3, last term 2
	tests := []struct {
		name         string
		lastIndex    uint64
		lastTerm     uint64
		wantGranted  bool
		wantVotedFor uint64
	}{
		{"higher last term, shorter log", 1, 3, true, 2},
		{"same last term, longer log", 4, 2, true, 2},
		{"same last term, same length", 3, 2, true, 2},
		{"same last term, shorter log", 2, 2, false, None},
		{"lower last term, longer log", 10, 1, false, None},
		{"empty log", 0, 0, false, None},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{Term: 4}, voterLog)
			require.NoError(t, r.Step(Message{Type: MsgVote, From: 2, To: 1, Term: 5, Index: tt.lastIndex, LogTerm: tt.lastTerm}))
			assert.Equal(t, []Message{{Type: MsgVoteResp, From: 1, To: 2, Term: 5, Reject: !tt.wantGranted}}, r.readMessages())
			assert.Equal(t, tt.wantVotedFor, r.vote)
			assert.Equal(t, uint64(5), r.term, "the request's higher term is adopted either way")
		})
	}
}

// Figure 2, RequestVote rule 2 and §5.2: at most one vote per term, first
// come first served. A repeated request from the same candidate is granted
// again (its first reply may have been lost).
func TestAtMostOneVotePerTerm(t *testing.T) {
	r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{Term: 1}, nil)
	vote := func(from uint64) Message {
		require.NoError(t, r.Step(Message{Type: MsgVote, From: from, To: 1, Term: 2}))
		msgs := r.readMessages()
		require.Len(t, msgs, 1)
		return msgs[0]
	}
	assert.False(t, vote(2).Reject, "first request in term 2 is granted")
	assert.True(t, vote(3).Reject, "second candidate in the same term is refused")
	assert.False(t, vote(2).Reject, "the same candidate asking again is granted again")
	assert.Equal(t, uint64(2), r.vote)
}

// A node that knows the leader of its term refuses to vote in that term even
// if it has not voted: a leader already exists (etcd's rule; harmless since
// such a candidate could not be the only leader of the term anyway).
func TestNoVoteWhenLeaderKnown(t *testing.T) {
	r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{Term: 2}, nil)
	r.becomeFollower(2, 3)
	require.NoError(t, r.Step(Message{Type: MsgVote, From: 2, To: 1, Term: 2}))
	msgs := r.readMessages()
	require.Len(t, msgs, 1)
	assert.True(t, msgs[0].Reject)
	assert.Equal(t, None, r.vote)
}

// Candidates and leaders have voted for themselves in their term and refuse
// other candidates of the same term.
func TestCandidateAndLeaderRefuseSameTermVotes(t *testing.T) {
	for _, lead := range []bool{false, true} {
		r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{}, nil)
		r.hup()
		if lead {
			require.NoError(t, r.Step(Message{Type: MsgVoteResp, From: 3, To: 1, Term: 1}))
			require.Equal(t, StateLeader, r.state)
		}
		r.readMessages()
		require.NoError(t, r.Step(Message{Type: MsgVote, From: 2, To: 1, Term: 1, Index: 100, LogTerm: 1}))
		assert.Equal(t, []Message{{Type: MsgVoteResp, From: 1, To: 2, Term: 1, Reject: true}}, r.readMessages())
		assert.Equal(t, uint64(1), r.vote)
	}
}

// The persistence contract for votes: the Ready that carries the granting
// MsgVoteResp also carries the vote in HardState, with MustSync. A caller
// that follows the contract cannot send the grant without the vote being
// durable; after a crash the node remembers it and refuses a second
// candidate in the same term.
func TestVoteIsDurableBeforeGrantIsSent(t *testing.T) {
	n := newNetwork(t, 3, testOptions{})
	rn := n.nodes[1].rn
	require.NoError(t, rn.Step(Message{Type: MsgVote, From: 2, To: 1, Term: 1}))
	rd := rn.Ready()
	assert.Equal(t, HardState{Term: 1, Vote: 2}, rd.HardState)
	assert.True(t, rd.MustSync)
	assert.Equal(t, []Message{{Type: MsgVoteResp, From: 1, To: 2, Term: 1}}, rd.Messages)

	// Persist as the contract says, then crash before anything else.
	n.nodes[1].hs = rd.HardState
	n.crash(1)
	n.restart(1)
	require.NoError(t, n.nodes[1].rn.Step(Message{Type: MsgVote, From: 3, To: 1, Term: 1}))
	rd = n.nodes[1].rn.Ready()
	assert.Equal(t, []Message{{Type: MsgVoteResp, From: 1, To: 3, Term: 1, Reject: true}}, rd.Messages,
		"the restarted node remembers its vote for 2 in term 1")
}

// §5.4.1 in a cluster: a node that missed committed entries cannot become
// leader, so the committed entries survive.
func TestStaleLogCannotWinElection(t *testing.T) {
	n := newNetwork(t, 3, testOptions{})
	n.elect(1)
	n.isolate(3)
	idx := n.propose(1, "committed without 3")
	n.stabilize()
	require.Equal(t, idx, n.status(1).Commit)

	n.heal()
	n.campaign(3)
	assert.NotEqual(t, StateLeader, n.status(3).State)
	// Eventually someone with the entry leads and 3 catches up.
	for i := 0; i < 100 && n.leader() == None; i++ {
		n.tickAndStabilize(1)
	}
	lead := n.leader()
	require.Contains(t, []uint64{1, 2}, lead)
	n.tickAndStabilize(5)
	e, ok := n.nodes[3].rn.Entry(idx)
	require.True(t, ok)
	assert.Equal(t, []byte("committed without 3"), e.Data)
}
