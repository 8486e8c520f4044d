package raft

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/raft/tracker"
)

// leaderWithReplicatingFollower returns a leader of a 3-node cluster whose
// follower 2 has acknowledged the no-op (so it replicates) while follower 3
// never answered (so it still probes).
func leaderWithReplicatingFollower(t *testing.T, o testOptions) *raft {
	r := newTestRaft(t, 1, ids(3), o, HardState{}, nil)
	r.becomeLeaderNow()
	require.NoError(t, r.Step(Message{Type: MsgAppResp, From: 2, To: 1, Term: 1, Index: 1}))
	require.Equal(t, tracker.StateReplicate, r.trk.Progress[2].State)
	require.Equal(t, tracker.StateProbe, r.trk.Progress[3].State)
	r.readMessages()
	return r
}

// In StateReplicate the leader sends without waiting for answers, up to
// MaxInflightMsgs unacknowledged appends; then it waits. Each ack frees
// room for more.
func TestReplicatePipelinesUpToMaxInflight(t *testing.T) {
	r := leaderWithReplicatingFollower(t, testOptions{maxInflight: 3, maxEntries: 1})
	for range 10 {
		_, _, err := r.propose([]byte("x"))
		require.NoError(t, err)
	}
	var to2 []Message
	for _, m := range ofType(r.readMessages(), MsgApp) {
		if m.To == 2 {
			to2 = append(to2, m)
		}
	}
	require.Len(t, to2, 3, "three appends in flight, no more")
	for i, m := range to2 {
		assert.Equal(t, uint64(i+1), m.Index, "each append continues the previous one")
		assert.Len(t, m.Entries, 1)
	}
	assert.True(t, r.trk.Progress[2].IsPaused())

	// Acknowledging the first two frees two slots: two more go out.
	require.NoError(t, r.Step(Message{Type: MsgAppResp, From: 2, To: 1, Term: 1, Index: 3}))
	apps := ofType(r.readMessages(), MsgApp)
	var more []Message
	for _, m := range apps {
		if m.To == 2 && len(m.Entries) > 0 {
			more = append(more, m)
		}
	}
	require.Len(t, more, 2)
	assert.Equal(t, uint64(4), more[0].Index)
	assert.Equal(t, uint64(5), more[1].Index)
}

// In StateProbe the leader sends one append and waits for its answer (or
// a heartbeat response) before sending another.
func TestProbeSendsOneAtATime(t *testing.T) {
	r := leaderWithReplicatingFollower(t, testOptions{})
	for range 5 {
		_, _, err := r.propose([]byte("x"))
		require.NoError(t, err)
	}
	for _, m := range ofType(r.readMessages(), MsgApp) {
		assert.NotEqual(t, uint64(3), m.To, "the probe to 3 (sent with the no-op) is unanswered")
	}
	require.NoError(t, r.Step(Message{Type: MsgHeartbeatResp, From: 3, To: 1, Term: 1}))
	apps := ofType(r.readMessages(), MsgApp)
	require.Len(t, apps, 1, "a heartbeat response unpauses one probe")
	assert.Equal(t, uint64(3), apps[0].To)
	assert.Equal(t, uint64(0), apps[0].Index)
	assert.Len(t, apps[0].Entries, 6)
}

// One MsgApp carries at most MaxEntriesPerMsg entries.
func TestAppendsAreBatchedUpToMaxEntries(t *testing.T) {
	n := newNetwork(t, 3, testOptions{maxEntries: 4})
	n.elect(1)
	n.isolate(3)
	for range 20 {
		n.propose(1, "x")
	}
	n.stabilize()
	n.heal()
	n.delivered = nil
	n.tickAndStabilize(2)
	var sizes []int
	for _, m := range n.delivered {
		if m.Type == MsgApp && m.To == 3 && len(m.Entries) > 0 {
			sizes = append(sizes, len(m.Entries))
		}
	}
	assert.Equal(t, []int{4, 4, 4, 4, 4}, sizes, "entries 2..21 in batches of at most four")
	assert.Equal(t, uint64(21), n.status(3).Commit)
}

// Lost appends in StateReplicate are recovered: the follower rejects the
// next append (it has a gap), the leader falls back to probing from Match.
// If everything in the window was lost, the heartbeat response frees a slot
// so that an append can go out and reveal the gap.
func TestLostAppendsAreRecovered(t *testing.T) {
	n := newNetwork(t, 3, testOptions{maxInflight: 2})
	n.elect(1)
	n.drop = func(m Message) bool { return m.Type == MsgApp && m.To == 2 }
	for range 6 {
		n.propose(1, "x")
	}
	n.stabilize()
	require.Equal(t, uint64(1), n.status(2).LastIndex, "node 2 received nothing")
	require.Equal(t, uint64(7), n.status(1).Commit, "1 and 3 commit without 2")
	require.True(t, n.raft(1).trk.Progress[2].IsPaused(), "the window to 2 is full of lost appends")

	n.drop = nil
	n.tickAndStabilize(3)
	assert.Equal(t, uint64(7), n.status(2).LastIndex)
	assert.Equal(t, uint64(7), n.status(2).Commit)
	assert.Equal(t, tracker.StateReplicate, n.raft(1).trk.Progress[2].State)
	n.requireNoStepErrors()
}
