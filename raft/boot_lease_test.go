package raft

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestABootedNodeKeepsALeaseForOneElectionTimeout: a node that has just
// started (or restarted after a crash) may have promised a leader, before
// it crashed, not to vote for anyone else for an election timeout; it has
// forgotten when, so it refuses votes and pre-votes for its first election
// timeout. A leader's lease rests on that promise.
func TestABootedNodeKeepsALeaseForOneElectionTimeout(t *testing.T) {
	for _, preVote := range []bool{false, true} {
		n := newNetwork(t, 3, testOptions{preVote: preVote, checkQuorum: true, bootLease: true})
		n.campaign(1)
		assert.NotEqual(t, StateLeader, n.status(1).State, "preVote=%v: nodes that just booted do not elect anyone", preVote)

		for range n.raft(2).electionTimeout {
			n.raft(2).leaseElapsed++ // as Tick would, without timing out
			n.raft(3).leaseElapsed++
		}
		n.campaign(1)
		require.Equal(t, StateLeader, n.status(1).State, "preVote=%v: one election timeout later they do", preVote)
	}
}

func TestTickCountsTheBootLeaseDown(t *testing.T) {
	rn, err := NewRawNode(testOptions{electionTick: 5}.config(1, ids(3)))
	require.NoError(t, err)
	for i := 0; i < 5; i++ {
		require.True(t, rn.raft.inLease(), "tick %d", i)
		rn.Tick()
	}
	assert.False(t, rn.raft.inLease(), "a follower that heard from no leader is out of its lease after the boot lease")
}

// A follower that has just heard from its leader keeps its lease when a
// stale response from a node stuck in a higher term moves it to that term:
// a leader's lease reads rely on it not voting for an election timeout.
// Found in review: before, the term change cleared the lease and the
// follower granted a vote at once.
func TestAStaleHigherTermResponseKeepsTheLease(t *testing.T) {
	for _, mt := range []MessageType{MsgPreVoteResp, MsgVoteResp, MsgAppResp} {
		r := newTestRaft(t, 1, ids(3), testOptions{checkQuorum: true, preVote: true}, HardState{Term: 2}, nil)
		r.becomeFollower(2, 3)
		require.NoError(t, r.Step(Message{Type: MsgHeartbeat, From: 3, To: 1, Term: 2}))
		r.readMessages()
		require.True(t, r.inLease())

		require.NoError(t, r.Step(Message{Type: mt, From: 2, To: 1, Term: 3, Reject: true}))
		r.readMessages()
		assert.Equal(t, uint64(3), r.term, "%v: the node moved to the higher term", mt)
		require.NoError(t, r.Step(Message{Type: MsgVote, From: 2, To: 1, Term: 3}))
		for _, m := range r.readMessages() {
			assert.False(t, m.Type == MsgVoteResp && !m.Reject, "%v: a vote was granted inside the lease", mt)
		}
	}
}
