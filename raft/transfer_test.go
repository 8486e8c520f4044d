package raft

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A leader hands its office to a caught-up voter: the voter campaigns at
// once, without waiting for its election timeout or a pre-vote, and wins
// the next term; voters within the old leader's lease grant it, since the
// leader gave its lease up. Nothing committed is lost.
func TestTransferToACaughtUpVoter(t *testing.T) {
	for _, o := range []testOptions{{}, {preVote: true, checkQuorum: true}} {
		n := newNetwork(t, 3, o)
		n.elect(1)
		idx := n.propose(1, "x")
		n.stabilize()
		term := n.status(1).Term
		require.NoError(t, n.nodes[1].rn.TransferLeadership(2))
		n.stabilize()
		assert.Equal(t, StateLeader, n.status(2).State, "with %+v", o)
		assert.Equal(t, term+1, n.status(2).Term, "one term, no pre-vote round")
		assert.Equal(t, StateFollower, n.status(1).State)
		assert.GreaterOrEqual(t, n.status(2).Commit, idx)
		n.requireNoStepErrors()
	}
}

// A lagging target is caught up first: MsgTimeoutNow goes out only once
// its log is the leader's.
func TestTransferCatchesTheTargetUpFirst(t *testing.T) {
	n := newNetwork(t, 3, testOptions{})
	n.elect(1)
	n.isolate(3)
	for range 5 {
		n.propose(1, "while 3 is away")
	}
	n.stabilize()
	require.Less(t, n.status(3).LastIndex, n.status(1).LastIndex)
	n.heal()
	timeoutsNow := 0
	n.mutate = func(m Message) Message {
		if m.Type == MsgTimeoutNow {
			timeoutsNow++
			assert.Equal(t, n.status(1).LastIndex, n.status(3).LastIndex, "told to campaign before it caught up")
		}
		return m
	}
	require.NoError(t, n.nodes[1].rn.TransferLeadership(3))
	n.stabilize()
	require.Equal(t, 1, timeoutsNow)
	assert.Equal(t, StateLeader, n.status(3).State)
	n.requireNoStepErrors()
}

// While a transfer is in flight the leader refuses proposals and changes
// of configuration; if the target never takes over, it gives the transfer
// up after an election timeout and accepts them again.
func TestTransferRefusesProposalsAndIsAbandonedAfterAnElectionTimeout(t *testing.T) {
	n := newNetwork(t, 3, testOptions{electionTick: 10})
	n.elect(1)
	n.stabilize()
	n.isolate(3)
	require.NoError(t, n.nodes[1].rn.TransferLeadership(3))
	assert.Equal(t, uint64(3), n.status(1).LeadTransferee)
	_, _, err := n.nodes[1].rn.Propose([]byte("refused"))
	require.ErrorIs(t, err, ErrTransferInProgress)
	_, _, err = n.nodes[1].rn.ProposeConfChange(ConfChange{Changes: []ConfChangeSingle{{RemoveNode, 2}}})
	require.ErrorIs(t, err, ErrTransferInProgress)
	for range 9 {
		n.tick(1)
		n.stabilize()
	}
	assert.Equal(t, uint64(3), n.status(1).LeadTransferee, "still in flight before the election timeout")
	n.tick(1)
	n.stabilize()
	assert.Zero(t, n.status(1).LeadTransferee, "abandoned after an election timeout")
	assert.Equal(t, StateLeader, n.status(1).State)
	n.propose(1, "accepted again")
	n.requireNoStepErrors()
}

// Leadership goes only to a voter: a learner or a node outside the
// configuration is refused, and so is a follower's request.
func TestTransferOnlyToAVoter(t *testing.T) {
	n := newNetwork(t, 5, testOptions{voters: []uint64{1, 2, 3}})
	n.elect(1)
	n.stabilize()
	changeConf(t, n, 1, ConfChange{Changes: []ConfChangeSingle{{AddLearner, 4}}})
	require.ErrorIs(t, n.nodes[1].rn.TransferLeadership(4), ErrTransferToNonVoter, "a learner")
	require.ErrorIs(t, n.nodes[1].rn.TransferLeadership(5), ErrTransferToNonVoter, "outside")
	require.ErrorIs(t, n.nodes[2].rn.TransferLeadership(3), ErrNotLeader, "a follower")
	require.NoError(t, n.nodes[1].rn.TransferLeadership(1), "to itself: nothing to do")
	assert.Zero(t, n.status(1).LeadTransferee)
	n.requireNoStepErrors()
}

// Once a leader has told a voter to campaign, a new leader may be elected
// at any moment: the leader says so for the rest of its term, whether the
// transfer completes or not.
func TestHandedOverLastsTheTerm(t *testing.T) {
	n := newNetwork(t, 3, testOptions{})
	n.elect(1)
	n.stabilize()
	require.False(t, n.status(1).HandedOver)
	n.drop = func(m Message) bool { return m.Type == MsgTimeoutNow }
	require.NoError(t, n.nodes[1].rn.TransferLeadership(2))
	n.stabilize()
	assert.True(t, n.status(1).HandedOver)
	n.tickAndStabilize(10)
	assert.Zero(t, n.status(1).LeadTransferee)
	assert.True(t, n.status(1).HandedOver, "the message may still arrive")
	n.drop = nil
	n.nodes[1].rn.raft.becomeFollower(n.status(1).Term+1, None)
	assert.False(t, n.status(1).HandedOver, "a new term starts afresh")
}

// A removal of the target ends the transfer: it can no longer be elected.
func TestTransferEndsWhenTheTargetIsRemoved(t *testing.T) {
	n := newNetwork(t, 4, testOptions{})
	n.elect(1)
	n.stabilize()
	r := n.raft(1)
	r.leadTransferee = 4
	r.appendEntry(Entry{Type: EntryConfChange, Data: ConfChange{Changes: []ConfChangeSingle{{RemoveNode, 4}}}.Encode()})
	assert.Zero(t, n.status(1).LeadTransferee)
}

// A transfer's vote request bypasses a voter's lease, never its vote: a
// voter that already voted for another candidate in the term refuses it.
func TestTransferVoteDoesNotBypassTheVote(t *testing.T) {
	r := newTestRaft(t, 1, ids(3), testOptions{checkQuorum: true}, HardState{Term: 2, Vote: 3}, entries(1, 2))
	r.persistAll()
	require.NoError(t, r.Step(Message{Type: MsgVote, From: 2, To: 1, Term: 2, Index: 2, LogTerm: 2, Context: transferContext}))
	resp := ofType(r.readMessages(), MsgVoteResp)
	require.Len(t, resp, 1)
	assert.True(t, resp[0].Reject, "voted for 3 in term 2 already")
	assert.Equal(t, uint64(3), r.vote)

	// In a new term, within a lease, the transfer's request is granted.
	r2 := newTestRaft(t, 1, ids(3), testOptions{checkQuorum: true}, HardState{Term: 2}, entries(1, 2))
	r2.persistAll()
	r2.becomeFollower(2, 3) // hears from leader 3: in its lease
	require.NoError(t, r2.Step(Message{Type: MsgVote, From: 2, To: 1, Term: 3, Index: 2, LogTerm: 2, Context: transferContext}))
	resp = ofType(r2.readMessages(), MsgVoteResp)
	require.Len(t, resp, 1)
	assert.False(t, resp[0].Reject, "a transfer's election is granted within the lease")
	require.NoError(t, r2.Step(Message{Type: MsgVote, From: 3, To: 1, Term: 3, Index: 2, LogTerm: 2, Context: transferContext}))
	resp = ofType(r2.readMessages(), MsgVoteResp)
	require.Len(t, resp, 1)
	assert.True(t, resp[0].Reject, "but only one vote per term")
}
