package raft

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A stale, duplicated or reordered append never truncates entries that
// match (Figure 2, AppendEntries rule 3 deletes only on a conflict). If it
// did, a follower could drop entries it had already acknowledged — and that
// the leader may have counted towards a commit.
func TestOldAppendDoesNotTruncateMatchingEntries(t *testing.T) {
	tests := []struct {
		name      string
		prevIndex uint64
		ents      []uint64
		wantIndex uint64 // MsgAppResp.Index: what this message verified
	}{
		{"duplicate of an earlier append", 2, []uint64{1, 1}, 4},
		{"empty append in the middle", 3, nil, 3},
		{"single entry in the middle", 1, []uint64{1}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{Term: 1}, entries(1, 1, 1, 1, 1, 1))
			var ents []Entry
			for i, term := range tt.ents {
				ents = append(ents, Entry{Index: tt.prevIndex + uint64(i) + 1, Term: term})
			}
			require.NoError(t, r.Step(Message{Type: MsgApp, From: 2, To: 1, Term: 1, Index: tt.prevIndex, LogTerm: 1, Entries: ents}))
			assert.Equal(t, []uint64{1, 1, 1, 1, 1, 1}, r.logTerms(), "nothing truncated")
			msgs := r.readMessages()
			require.Len(t, msgs, 1)
			assert.Equal(t, tt.wantIndex, msgs[0].Index, "acknowledges only what the message verified")
		})
	}
}

// An append older than the follower's commit index is answered with the
// commit index, without looking at its entries.
func TestAppendBelowCommitAnsweredWithCommit(t *testing.T) {
	r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{Term: 1, Commit: 5}, entries(1, 1, 1, 1, 1, 1))
	require.NoError(t, r.Step(Message{Type: MsgApp, From: 2, To: 1, Term: 1, Index: 2, LogTerm: 1, Entries: entries(1, 1, 1)[2:]}))
	assert.Equal(t, []Message{{Type: MsgAppResp, From: 1, To: 2, Term: 1, Index: 5}}, r.readMessages())
	assert.Equal(t, 6, len(r.logTerms()))
}

// In a running cluster: every append is delivered, then delivered again in
// reverse order. The follower's log never loses an entry it acknowledged
// and the cluster agrees at the end.
func TestDuplicatedAndReorderedAppendsInCluster(t *testing.T) {
	n := newNetwork(t, 3, testOptions{maxEntries: 2, maxInflight: 8})
	n.elect(1)

	var replay []Message
	for round := range 10 {
		for i := range 3 {
			n.propose(1, string(rune('a'+round*3+i)))
		}
		n.handleReadies()
		apps := slices.Clone(n.queue)
		n.deliverQueued()
		for _, m := range apps {
			if m.Type == MsgApp {
				replay = append(replay, m)
			}
		}
		// Deliver every append seen so far again, newest first.
		for i := len(replay) - 1; i >= 0; i-- {
			before := n.raft(replay[i].To).log.lastIndex()
			n.deliver(replay[i])
			after := n.raft(replay[i].To).log.lastIndex()
			require.GreaterOrEqual(t, after, before, "an old append shortened node %d's log", replay[i].To)
		}
		n.stabilize()
	}
	n.stabilize()
	for _, id := range n.ids {
		assert.Equal(t, uint64(31), n.status(id).Commit)
		assert.Equal(t, n.raft(1).logTerms(), n.raft(id).logTerms())
	}
	n.requireNoStepErrors()
}

// A duplicated or reordered acknowledgement does not move the leader's
// view of a follower backwards.
func TestOldAckDoesNotLowerMatch(t *testing.T) {
	r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{}, nil)
	r.becomeLeaderNow()
	for range 4 {
		_, _, err := r.propose(nil)
		require.NoError(t, err)
	}
	require.NoError(t, r.Step(Message{Type: MsgAppResp, From: 2, To: 1, Term: 1, Index: 5}))
	require.NoError(t, r.Step(Message{Type: MsgAppResp, From: 2, To: 1, Term: 1, Index: 3}))
	assert.Equal(t, uint64(5), r.trk.Progress[2].Match)
}
