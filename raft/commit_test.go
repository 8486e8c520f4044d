package raft

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// §5.3: a leader commits an entry of its term once a majority (itself
// included) holds it.
func TestLeaderCommitsOnMajority(t *testing.T) {
	tests := []struct {
		size int
		acks []uint64 // followers acknowledging index 2
		want uint64
	}{
		{1, nil, 2},
		{3, nil, 0},
		{3, []uint64{2}, 2},
		{3, []uint64{2, 3}, 2},
		{4, []uint64{2}, 0},
		{4, []uint64{2, 3}, 2},
		{5, []uint64{2}, 0},
		{5, []uint64{2, 5}, 2},
	}
	for _, tt := range tests {
		r := newTestRaft(t, 1, ids(tt.size), testOptions{}, HardState{}, nil)
		r.becomeLeaderNow()
		_, _, err := r.propose([]byte("x"))
		require.NoError(t, err)
		r.persistAll()
		for _, id := range tt.acks {
			require.NoError(t, r.Step(Message{Type: MsgAppResp, From: id, To: 1, Term: 1, Index: 2}))
		}
		assert.Equal(t, tt.want, r.log.committed, "size %d acks %v", tt.size, tt.acks)
	}
}

// The leader counts its own log only for entries it has persisted (this
// implementation's choice; see doc.go). An entry acknowledged by a follower
// but not yet durable on the leader is on one disk out of three: not
// committed.
func TestLeaderCountsOwnEntryOnlyWhenPersisted(t *testing.T) {
	r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{}, nil)
	r.becomeLeaderNow()
	idx, _, err := r.propose([]byte("x"))
	require.NoError(t, err)
	require.NoError(t, r.Step(Message{Type: MsgAppResp, From: 2, To: 1, Term: 1, Index: idx}))
	assert.Equal(t, uint64(1), r.log.committed, "not durable on the leader yet")
	r.persistAll()
	assert.Equal(t, idx, r.log.committed)

	// Single node: persisting alone commits.
	s := newTestRaft(t, 1, ids(1), testOptions{}, HardState{}, nil)
	s.hup()
	require.Equal(t, StateLeader, s.state)
	assert.Equal(t, uint64(0), s.log.committed)
	s.persistAll()
	assert.Equal(t, uint64(1), s.log.committed)
}

// §5.4.2: a leader never commits an entry of an earlier term by counting
// replicas, even when a majority holds it. It commits it indirectly, once
// an entry of its own term after it is on a majority.
func TestLeaderCommitsOnlyCurrentTermByCounting(t *testing.T) {
	// Leader 1 of term 3 inherits index 2 from term 2 and appends its
	// no-op at index 3.
	r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{Term: 2}, entries(1, 2))
	r.becomeLeaderNow()
	require.Equal(t, uint64(3), r.term)
	require.Equal(t, uint64(3), r.log.lastIndex())

	require.NoError(t, r.Step(Message{Type: MsgAppResp, From: 2, To: 1, Term: 3, Index: 2}))
	assert.Equal(t, uint64(2), r.trk.Committed(), "a majority holds index 2...")
	assert.Equal(t, uint64(0), r.log.committed, "...but it is from term 2: not committed")

	require.NoError(t, r.Step(Message{Type: MsgAppResp, From: 2, To: 1, Term: 3, Index: 3}))
	assert.Equal(t, uint64(3), r.log.committed, "the term-3 no-op commits, and index 2 with it")
}

// Figure 2, AppendEntries rule 5: a follower sets its commit index to
// min(leaderCommit, index of the last new entry) — the last entry this
// append verified, not its last index. Entries past what was verified may be
// leftovers of a deposed leader that the current leader has not overwritten
// yet.
func TestFollowerCommitIsMinOfLeaderCommitAndLastVerified(t *testing.T) {
	tests := []struct {
		name      string
		prevIndex uint64
		prevTerm  uint64
		ents      []uint64
		commit    uint64
		want      uint64
	}{
		// The follower holds 1..5 with terms 1,1,1,2,2; suppose entries
		// 4 and 5 are from a deposed term-2 leader and the leader of
		// term 3 has committed up to 5 with different entries.
		{"empty append verifies only prev", 2, 1, nil, 5, 2},
		{"one entry verifies up to 3", 2, 1, []uint64{1}, 5, 3},
		{"leader commit is lower", 2, 1, []uint64{1}, 1, 1},
		{"replacing the suffix verifies it", 3, 1, []uint64{3, 3}, 5, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{Term: 3}, entries(1, 1, 1, 2, 2))
			var ents []Entry
			for i, term := range tt.ents {
				ents = append(ents, Entry{Index: tt.prevIndex + uint64(i) + 1, Term: term})
			}
			require.NoError(t, r.Step(Message{Type: MsgApp, From: 2, To: 1, Term: 3, Index: tt.prevIndex, LogTerm: tt.prevTerm, Entries: ents, Commit: tt.commit}))
			assert.Equal(t, tt.want, r.log.committed)
		})
	}
}

// Heartbeats carry commit = min(leader commit, follower's Match): a
// heartbeat has no consistency check, so it must not point a follower's
// commit index at entries the follower may not hold or may hold differently.
func TestHeartbeatCommitIsCappedAtMatch(t *testing.T) {
	r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{}, nil)
	r.becomeLeaderNow()
	for range 3 {
		_, _, err := r.propose([]byte("x"))
		require.NoError(t, err)
	}
	r.persistAll()
	require.NoError(t, r.Step(Message{Type: MsgAppResp, From: 2, To: 1, Term: 1, Index: 4}))
	require.Equal(t, uint64(4), r.log.committed)
	r.readMessages()

	r.bcastHeartbeat()
	assert.Equal(t, []Message{
		{Type: MsgHeartbeat, From: 1, To: 2, Term: 1, Commit: 4},
		{Type: MsgHeartbeat, From: 1, To: 3, Term: 1, Commit: 0},
	}, r.readMessages())
}

// A follower advances its commit index from a heartbeat, never backwards.
func TestFollowerCommitsFromHeartbeat(t *testing.T) {
	r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{Term: 1, Commit: 1}, entries(1, 1, 1))
	require.NoError(t, r.Step(Message{Type: MsgHeartbeat, From: 2, To: 1, Term: 1, Commit: 3, Context: 9}))
	assert.Equal(t, uint64(3), r.log.committed)
	assert.Equal(t, []Message{{Type: MsgHeartbeatResp, From: 1, To: 2, Term: 1, Context: 9}}, r.readMessages())
	require.NoError(t, r.Step(Message{Type: MsgHeartbeat, From: 2, To: 1, Term: 1, Commit: 2}))
	assert.Equal(t, uint64(3), r.log.committed, "commit never goes back")
}

// A committed entry reaches every node's state machine, once, in order.
func TestCommittedEntriesAppliedEverywhereInOrder(t *testing.T) {
	n := newNetwork(t, 3, testOptions{})
	n.elect(2)
	for _, s := range []string{"a", "b", "c"} {
		n.propose(2, s)
	}
	n.stabilize()
	for _, id := range n.ids {
		var data []string
		for _, e := range n.nodes[id].applied {
			if e.Type == EntryNormal {
				data = append(data, string(e.Data))
			}
		}
		assert.Equal(t, []string{"a", "b", "c"}, data, "node %d", id)
		assert.Equal(t, uint64(4), n.status(id).Applied)
	}
}
