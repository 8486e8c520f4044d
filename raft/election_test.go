package raft

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// §5.2: a follower that hears nothing for its election timeout becomes a
// candidate: it increments its term, votes for itself and asks every other
// server for its vote, with its last log index and term (§5.4.1). It does
// so exactly when its randomized timeout runs out, not before.
func TestFollowerStartsElectionAfterTimeout(t *testing.T) {
	r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{Term: 2}, entries(1, 2))
	timeout := r.randomizedElectionTimeout
	for range timeout - 1 {
		r.tick()
	}
	require.Equal(t, StateFollower, r.state, "must not campaign before the timeout")
	r.tick()
	assert.Equal(t, StateCandidate, r.state)
	assert.Equal(t, uint64(3), r.term)
	assert.Equal(t, uint64(1), r.vote)
	assert.Equal(t, []Message{
		{Type: MsgVote, From: 1, To: 2, Term: 3, Index: 2, LogTerm: 2},
		{Type: MsgVote, From: 1, To: 3, Term: 3, Index: 2, LogTerm: 2},
	}, r.readMessages())
}

// §5.2: a candidate whose election times out without a winner starts a new
// election in a new term.
func TestCandidateRestartsElectionOnTimeout(t *testing.T) {
	r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{}, nil)
	r.hup()
	require.Equal(t, uint64(1), r.term)
	r.readMessages()
	for range 2 * r.electionTimeout {
		r.tick()
	}
	assert.Equal(t, StateCandidate, r.state)
	assert.Equal(t, uint64(2), r.term)
	assert.Len(t, ofType(r.readMessages(), MsgVote), 2)
}

// §5.2: a candidate wins with votes from a majority, loses (returns to
// follower) once a majority refused, and otherwise keeps waiting.
func TestElectionOutcomeByVotes(t *testing.T) {
	tests := []struct {
		name  string
		size  int
		votes map[uint64]bool // besides the candidate's own
		want  StateType
	}{
		{"single node wins alone", 1, nil, StateLeader},
		{"3: one grant wins", 3, map[uint64]bool{2: true}, StateLeader},
		{"3: no answers waits", 3, nil, StateCandidate},
		{"3: one rejection waits", 3, map[uint64]bool{2: false}, StateCandidate},
		{"3: two rejections lose", 3, map[uint64]bool{2: false, 3: false}, StateFollower},
		{"5: two grants win", 5, map[uint64]bool{2: true, 3: true}, StateLeader},
		{"5: one grant waits", 5, map[uint64]bool{2: true, 3: false}, StateCandidate},
		{"5: three rejections lose", 5, map[uint64]bool{2: false, 3: false, 4: false, 5: true}, StateFollower},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newTestRaft(t, 1, ids(tt.size), testOptions{}, HardState{}, nil)
			r.hup()
			for _, id := range ids(tt.size)[1:] {
				if granted, ok := tt.votes[id]; ok {
					require.NoError(t, r.Step(Message{Type: MsgVoteResp, From: id, To: 1, Term: 1, Reject: !granted}))
				}
			}
			assert.Equal(t, tt.want, r.state)
			assert.Equal(t, uint64(1), r.term)
		})
	}
}

// Duplicated votes from one voter count once.
func TestDuplicateVoteCountsOnce(t *testing.T) {
	r := newTestRaft(t, 1, ids(5), testOptions{}, HardState{}, nil)
	r.hup()
	for range 3 {
		require.NoError(t, r.Step(Message{Type: MsgVoteResp, From: 2, To: 1, Term: 1}))
	}
	assert.Equal(t, StateCandidate, r.state, "one voter plus self is not a majority of five")
}

// §5.2: election timeouts are drawn at random from [ET, 2*ET), differently
// on each node, so that one node usually times out first.
func TestRandomizedElectionTimeout(t *testing.T) {
	const et = 10
	seen := map[int]bool{}
	r := newTestRaft(t, 1, ids(3), testOptions{electionTick: et, seed: 7}, HardState{}, nil)
	for range 1000 {
		r.resetRandomizedElectionTimeout()
		to := r.randomizedElectionTimeout
		require.GreaterOrEqual(t, to, et)
		require.Less(t, to, 2*et)
		seen[to] = true
	}
	assert.Len(t, seen, et, "every value in [ET, 2ET) occurs")

	// Same seed, same node: same draws (determinism). Different nodes of
	// one seed draw from independent streams.
	draws := func(id uint64) []int {
		r := newTestRaft(t, id, ids(3), testOptions{electionTick: et, seed: 7}, HardState{}, nil)
		var out []int
		for range 20 {
			r.resetRandomizedElectionTimeout()
			out = append(out, r.randomizedElectionTimeout)
		}
		return out
	}
	assert.Equal(t, draws(1), draws(1))
	assert.NotEqual(t, draws(1), draws(2))
}

// §5.2: a candidate that receives AppendEntries from a leader of its own
// term recognises the leader and returns to follower, keeping its vote.
func TestCandidateFollowsLeaderOfSameTerm(t *testing.T) {
	for _, typ := range []MessageType{MsgApp, MsgHeartbeat} {
		t.Run(typ.String(), func(t *testing.T) {
			r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{}, nil)
			r.hup()
			require.Equal(t, StateCandidate, r.state)
			require.NoError(t, r.Step(Message{Type: typ, From: 3, To: 1, Term: 1}))
			assert.Equal(t, StateFollower, r.state)
			assert.Equal(t, uint64(3), r.lead)
			assert.Equal(t, uint64(1), r.term)
			assert.Equal(t, uint64(1), r.vote)
		})
	}
}

// §5.2: a leader sends heartbeats every heartbeat timeout, which keeps
// followers from starting elections for as long as it lives.
func TestLeaderHeartbeatsPreventElections(t *testing.T) {
	n := newNetwork(t, 3, testOptions{electionTick: 10, heartbeatTick: 3})
	n.elect(1)
	n.delivered = nil
	n.tickAndStabilize(3)
	hb := n.count(func(m Message) bool { return m.Type == MsgHeartbeat })
	assert.Equal(t, 2, hb, "one heartbeat per follower per heartbeat timeout")

	n.tickAndStabilize(200)
	for _, id := range n.ids {
		assert.Equal(t, uint64(1), n.status(id).Term, "no election while the leader lives")
		assert.Equal(t, uint64(1), n.status(id).Lead)
	}
}

// §5.2: when the leader dies, a follower times out and a new leader is
// elected in a higher term.
func TestNewLeaderAfterLeaderCrash(t *testing.T) {
	n := newNetwork(t, 3, testOptions{})
	n.elect(1)
	n.crash(1)
	for i := 0; i < 100 && n.leader() == None; i++ {
		n.tickAndStabilize(1)
	}
	lead := n.leader()
	require.NotEqual(t, None, lead)
	assert.NotEqual(t, uint64(1), lead)
	assert.Greater(t, n.status(lead).Term, uint64(1))
}

// §5.2: split votes happen but resolve. Nodes 1 and 2 campaign at once in
// a cluster of four and each gets one other vote: nobody has three. Random
// timeouts then make one of them campaign first in the next term, and win.
func TestSplitVoteResolves(t *testing.T) {
	n := newNetwork(t, 4, testOptions{})
	n.raft(1).hup()
	n.raft(2).hup()
	// 3 hears only from 1 and 4 only from 2 in this round.
	n.drop = func(m Message) bool {
		return m.Type == MsgVote && ((m.From == 1 && m.To == 4) || (m.From == 2 && m.To == 3))
	}
	n.stabilize()
	require.Equal(t, StateCandidate, n.status(1).State)
	require.Equal(t, StateCandidate, n.status(2).State)
	require.Equal(t, None, n.leader(), "split vote: no leader in term 1")

	n.drop = nil
	ticks := 0
	for ; n.leader() == None; ticks++ {
		require.Less(t, ticks, 100, "split vote did not resolve\n%s", n.describe())
		n.tickAndStabilize(1)
	}
	lead := n.leader()
	assert.Equal(t, uint64(2), n.status(lead).Term, "resolved in the very next term")
	for _, id := range n.ids {
		assert.Equal(t, lead, n.status(id).Lead)
	}
	n.requireNoStepErrors()
}

// Figure 2, "Followers": granting a vote restarts the election timer, so a
// voter does not compete with the candidate it just voted for.
func TestGrantingVoteResetsElectionTimer(t *testing.T) {
	r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{}, nil)
	r.electionElapsed = 5
	require.NoError(t, r.Step(Message{Type: MsgVote, From: 2, To: 1, Term: 1}))
	assert.Equal(t, 0, r.electionElapsed)

	r.electionElapsed = 5
	require.NoError(t, r.Step(Message{Type: MsgVote, From: 3, To: 1, Term: 1}))
	assert.Equal(t, 5, r.electionElapsed, "a refused vote does not reset the timer")
}
