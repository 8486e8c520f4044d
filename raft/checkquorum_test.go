package raft

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// CheckQuorum: a leader cut off from a majority steps down. The check runs
// every election timeout over "heard from since the last check" flags, so
// it steps down after more than one and at most two election timeouts —
// never earlier than one.
func TestCheckQuorumLeaderStepsDown(t *testing.T) {
	const et = 10
	n := newNetwork(t, 3, testOptions{checkQuorum: true, electionTick: et})
	n.elect(1)
	n.tickAndStabilize(et) // one full round with the followers active
	n.isolate(1)

	ticks := 0
	for ; n.status(1).State == StateLeader; ticks++ {
		require.Less(t, ticks, 2*et, "leader still in office after two election timeouts")
		n.tick(1)
		n.stabilize()
	}
	assert.GreaterOrEqual(t, ticks, et, "stepped down before an election timeout passed")
	assert.Equal(t, StateFollower, n.status(1).State)
	assert.Equal(t, uint64(1), n.status(1).Term, "stepping down does not change the term")
	assert.Equal(t, None, n.status(1).Lead)
}

// Without CheckQuorum an isolated leader stays leader forever.
func TestWithoutCheckQuorumIsolatedLeaderStays(t *testing.T) {
	n := newNetwork(t, 3, testOptions{})
	n.elect(1)
	n.isolate(1)
	for range 100 {
		n.tick(1)
		n.stabilize()
	}
	assert.Equal(t, StateLeader, n.status(1).State)
}

// A leader that hears from a majority stays, even with one follower gone.
func TestCheckQuorumLeaderStaysWithMajority(t *testing.T) {
	n := newNetwork(t, 3, testOptions{checkQuorum: true})
	n.elect(1)
	n.isolate(3)
	n.tickAndStabilize(100)
	assert.Equal(t, StateLeader, n.status(1).State)
	assert.Equal(t, uint64(1), n.status(1).Term)
}

// With CheckQuorum, a follower that heard from its leader within the
// election timeout ignores vote requests: no reply, no term change. After
// the lease it votes normally.
func TestCheckQuorumFollowerIgnoresVotesInLease(t *testing.T) {
	r := newTestRaft(t, 1, ids(3), testOptions{checkQuorum: true}, HardState{Term: 2}, nil)
	r.becomeFollower(2, 3)
	vote := Message{Type: MsgVote, From: 2, To: 1, Term: 3}

	r.leaseElapsed = r.electionTimeout - 1
	require.NoError(t, r.Step(vote))
	assert.Empty(t, r.readMessages())
	assert.Equal(t, uint64(2), r.term)
	assert.Equal(t, uint64(3), r.lead)

	r.leaseElapsed = r.electionTimeout
	require.NoError(t, r.Step(vote))
	assert.Equal(t, []Message{{Type: MsgVoteResp, From: 1, To: 2, Term: 3}}, r.readMessages())
	assert.Equal(t, uint64(3), r.term)
}

// With CheckQuorum a leader hears from itself from the moment it is
// elected: a vote request of a later term that arrives before its first
// tick is ignored like any other, not allowed to depose it.
func TestCheckQuorumNewLeaderIgnoresVotesBeforeItsFirstTick(t *testing.T) {
	r := newTestRaft(t, 1, ids(3), testOptions{checkQuorum: true}, HardState{Term: 1}, nil)
	for r.leaseElapsed < r.electionTimeout {
		r.tickElection() // a long candidacy: its follower's lease is long over
	}
	r.becomeCandidate()
	r.becomeLeader()
	r.readMessages()
	require.NoError(t, r.Step(Message{Type: MsgVote, From: 3, To: 1, Term: 5}))
	assert.Equal(t, StateLeader, r.state)
	assert.Equal(t, uint64(2), r.term)
	assert.Empty(t, r.readMessages())
}

// With CheckQuorum and without PreVote, a node that campaigned while cut
// off comes back with a higher term. Its vote requests are ignored by nodes
// in a lease, but it answers the leader's heartbeat with its higher term,
// which makes the leader step down (the reply to stale messages in Step);
// the cluster then elects a leader in a term above the stray node's.
func TestCheckQuorumRejoiningHigherTermResolves(t *testing.T) {
	n := newNetwork(t, 3, testOptions{checkQuorum: true})
	n.elect(1)
	n.isolate(3)
	n.tickAndStabilize(50)
	strayTerm := n.status(3).Term
	require.Greater(t, strayTerm, uint64(1))

	n.heal()
	for i := 0; i < 200 && !(n.leader() != None && n.status(n.leader()).Term > strayTerm); i++ {
		n.tickAndStabilize(1)
	}
	lead := n.leader()
	require.NotEqual(t, None, lead, n.describe())
	assert.Greater(t, n.status(lead).Term, strayTerm)
	for _, id := range n.ids {
		assert.Equal(t, lead, n.status(id).Lead, "node %d", id)
	}
	n.requireNoStepErrors()
}
