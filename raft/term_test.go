package raft

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Figure 2, "Rules for Servers / All Servers": if a request or response
// contains a term T > currentTerm, set currentTerm = T and convert to
// follower. Tested from every role and for every message type that carries
// a real term.
func TestHigherTermMakesAnyRoleFollower(t *testing.T) {
	roles := map[string]func(r *raft){
		"follower":  func(r *raft) { r.becomeFollower(1, 2) },
		"candidate": func(r *raft) { r.becomeFollower(1, None); r.becomeCandidate() },
		"leader":    func(r *raft) { r.becomeFollower(1, None); r.becomeLeaderNow() },
	}
	msgs := []struct {
		m        Message
		wantLead uint64
	}{
		{Message{Type: MsgApp, From: 2, Term: 5}, 2},
		{Message{Type: MsgHeartbeat, From: 2, Term: 5}, 2},
		{Message{Type: MsgVote, From: 2, Term: 5, Index: 99, LogTerm: 5}, None},
		{Message{Type: MsgAppResp, From: 2, Term: 5}, None},
		{Message{Type: MsgHeartbeatResp, From: 2, Term: 5}, None},
		{Message{Type: MsgVoteResp, From: 2, Term: 5, Reject: true}, None},
		{Message{Type: MsgPreVoteResp, From: 2, Term: 5, Reject: true}, None},
	}
	for _, name := range []string{"follower", "candidate", "leader"} {
		for _, tt := range msgs {
			t.Run(name+"/"+tt.m.Type.String(), func(t *testing.T) {
				r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{}, nil)
				roles[name](r)
				m := tt.m
				m.To = 1
				require.NoError(t, r.Step(m))
				assert.Equal(t, uint64(5), r.term)
				assert.Equal(t, StateFollower, r.state)
				assert.Equal(t, tt.wantLead, r.lead)
			})
		}
	}
}

// A new term forgets the vote of the old one, and a vote in the new term is
// possible right away (one vote per term, not one vote ever).
func TestNewTermClearsVote(t *testing.T) {
	r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{Term: 2, Vote: 3}, nil)
	require.NoError(t, r.Step(Message{Type: MsgVote, From: 2, To: 1, Term: 3}))
	assert.Equal(t, uint64(3), r.term)
	assert.Equal(t, uint64(2), r.vote, "voted for 2 in the new term")
	resp := r.readMessages()
	require.Len(t, resp, 1)
	assert.Equal(t, Message{Type: MsgVoteResp, From: 1, To: 2, Term: 3}, resp[0])
}

// Figure 2: a receiver of AppendEntries or RequestVote with term <
// currentTerm replies false with its term, so the stale sender steps down;
// stale responses are dropped without reply. Nothing changes locally.
func TestStaleMessagesAreAnsweredWithCurrentTerm(t *testing.T) {
	tests := []struct {
		in   MessageType
		want []Message
	}{
		{MsgApp, []Message{{Type: MsgAppResp, From: 1, To: 2, Term: 4}}},
		{MsgHeartbeat, []Message{{Type: MsgAppResp, From: 1, To: 2, Term: 4}}},
		{MsgVote, []Message{{Type: MsgVoteResp, From: 1, To: 2, Term: 4, Reject: true}}},
		{MsgPreVote, []Message{{Type: MsgPreVoteResp, From: 1, To: 2, Term: 4, Reject: true}}},
		{MsgAppResp, nil},
		{MsgHeartbeatResp, nil},
		{MsgVoteResp, nil},
		{MsgPreVoteResp, nil},
	}
	for _, tt := range tests {
		t.Run(tt.in.String(), func(t *testing.T) {
			r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{Term: 4, Vote: 3}, entries(1, 2))
			require.NoError(t, r.Step(Message{Type: tt.in, From: 2, To: 1, Term: 3}))
			assert.Equal(t, tt.want, r.readMessages())
			assert.Equal(t, uint64(4), r.term)
			assert.Equal(t, uint64(3), r.vote)
			assert.Equal(t, []uint64{1, 2}, r.logTerms())
		})
	}
}

// A leader that was cut off while the others moved on learns the new term
// from the reply to its heartbeat and steps down.
func TestStaleLeaderStepsDownOnReply(t *testing.T) {
	n := newNetwork(t, 3, testOptions{})
	n.elect(1)
	n.isolate(1)
	n.elect(2)
	require.Equal(t, uint64(2), n.status(2).Term)
	require.Equal(t, StateLeader, n.status(1).State, "1 has not heard yet")

	n.heal()
	n.raft(1).bcastHeartbeat()
	n.stabilize()
	assert.Equal(t, StateFollower, n.status(1).State)
	assert.Equal(t, uint64(2), n.status(1).Term)
	n.requireNoStepErrors()
}
