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
			n.raft(2).ticksSinceBoot++ // as Tick would, without timing out
			n.raft(3).ticksSinceBoot++
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
