package raft

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/raft/tracker"
)

// §5.4.2 and §8: a new leader appends an empty entry of its own term and
// replicates it at once; followers learn of it in the first append, which
// probes from the leader's last index before the no-op.
func TestNewLeaderAppendsNoOp(t *testing.T) {
	r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{Term: 2}, entries(1, 2))
	r.hup()
	require.NoError(t, r.Step(Message{Type: MsgVoteResp, From: 2, To: 1, Term: 3}))
	require.Equal(t, StateLeader, r.state)

	noop, ok := r.log.entry(3)
	require.True(t, ok)
	assert.Equal(t, Entry{Term: 3, Index: 3, Type: EntryNoOp}, noop)
	apps := ofType(r.readMessages(), MsgApp)
	require.Len(t, apps, 2)
	for i, m := range apps {
		assert.Equal(t, uint64(i+2), m.To)
		assert.Equal(t, uint64(2), m.Index, "prevLogIndex is the last entry before the no-op")
		assert.Equal(t, uint64(2), m.LogTerm)
		assert.Equal(t, []Entry{noop}, m.Entries)
	}
}

// Figure 2, AppendEntries rules 2-4: a follower accepts an append only if
// its log holds prevLogIndex with prevLogTerm; then it deletes from the
// first conflicting entry on and appends what is new, leaving matching
// entries alone.
func TestFollowerAppendEntries(t *testing.T) {
	follower := []uint64{1, 1, 2, 2} // terms of indexes 1..4
	tests := []struct {
		name       string
		prevIndex  uint64
		prevTerm   uint64
		ents       []uint64 // terms of prevIndex+1, ...
		wantReject bool
		wantLog    []uint64
		wantIndex  uint64 // MsgAppResp.Index
	}{
		{"heartbeat-like append at the end", 4, 2, nil, false, []uint64{1, 1, 2, 2}, 4},
		{"extends the log", 4, 2, []uint64{3, 3}, false, []uint64{1, 1, 2, 2, 3, 3}, 6},
		{"all entries already present", 1, 1, []uint64{1, 2}, false, []uint64{1, 1, 2, 2}, 3},
		{"conflict at 3 truncates 3..4", 2, 1, []uint64{3}, false, []uint64{1, 1, 3}, 3},
		{"conflict at 4 after a match at 3", 2, 1, []uint64{2, 3, 3}, false, []uint64{1, 1, 2, 3, 3}, 5},
		{"prev beyond the log", 6, 2, []uint64{3}, true, []uint64{1, 1, 2, 2}, 6},
		{"prev term mismatch", 3, 3, []uint64{3}, true, []uint64{1, 1, 2, 2}, 3},
		{"prev at the start", 0, 0, []uint64{1, 1, 2, 2, 2}, false, []uint64{1, 1, 2, 2, 2}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{Term: 3}, entries(follower...))
			var ents []Entry
			for i, term := range tt.ents {
				ents = append(ents, Entry{Index: tt.prevIndex + uint64(i) + 1, Term: term})
			}
			require.NoError(t, r.Step(Message{Type: MsgApp, From: 2, To: 1, Term: 3, Index: tt.prevIndex, LogTerm: tt.prevTerm, Entries: ents}))
			msgs := r.readMessages()
			require.Len(t, msgs, 1)
			assert.Equal(t, MsgAppResp, msgs[0].Type)
			assert.Equal(t, tt.wantReject, msgs[0].Reject)
			assert.Equal(t, tt.wantIndex, msgs[0].Index)
			assert.Equal(t, tt.wantLog, r.logTerms())
			assert.Equal(t, uint64(2), r.lead)
		})
	}
}

// Log Matching (§5.3): after replication every node's log is identical,
// entry for entry.
func TestLogsMatchAfterReplication(t *testing.T) {
	n := newNetwork(t, 5, testOptions{maxEntries: 3})
	n.elect(1)
	for i := range 20 {
		n.propose(1, string(rune('a'+i)))
	}
	n.stabilize()
	want := n.raft(1).log.slice(1, 100)
	require.Len(t, want, 21)
	for _, id := range n.ids {
		assert.Equal(t, want, n.raft(id).log.slice(1, 100), "node %d", id)
		assert.Equal(t, uint64(21), n.status(id).Commit)
	}
}

// Only the leader accepts proposals; others name the leader they know.
func TestProposeOnFollowerNamesLeader(t *testing.T) {
	n := newNetwork(t, 3, testOptions{})
	_, _, err := n.nodes[2].rn.Propose([]byte("x"))
	var nle *NotLeaderError
	require.ErrorAs(t, err, &nle)
	assert.Equal(t, None, nle.Leader)

	n.elect(1)
	_, _, err = n.nodes[2].rn.Propose([]byte("x"))
	require.True(t, errors.Is(err, ErrNotLeader))
	require.ErrorAs(t, err, &nle)
	assert.Equal(t, uint64(1), nle.Leader)
	assert.Equal(t, "raft: not the leader (leader is 1)", err.Error())

	idx, term, err := n.nodes[1].rn.Propose([]byte("y"))
	require.NoError(t, err)
	assert.Equal(t, uint64(2), idx)
	assert.Equal(t, uint64(1), term)
}

// A proposal's data is copied: reusing the buffer does not change the log.
func TestProposeCopiesData(t *testing.T) {
	n := newNetwork(t, 1, testOptions{})
	n.elect(1)
	buf := []byte("abc")
	idx, _, err := n.nodes[1].rn.Propose(buf)
	require.NoError(t, err)
	buf[0] = 'X'
	e, ok := n.nodes[1].rn.Entry(idx)
	require.True(t, ok)
	assert.Equal(t, []byte("abc"), e.Data)
}

// §5.3: once an append is accepted the leader knows where the logs agree
// and switches that follower from probing to pipelined replication.
func TestAcceptedAppendSwitchesToReplicate(t *testing.T) {
	r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{}, nil)
	r.becomeLeaderNow()
	pr := r.trk.Progress[2]
	require.Equal(t, tracker.StateProbe, pr.State)
	require.NoError(t, r.Step(Message{Type: MsgAppResp, From: 2, To: 1, Term: 1, Index: 1}))
	assert.Equal(t, tracker.StateReplicate, pr.State)
	assert.Equal(t, uint64(1), pr.Match)
	assert.Equal(t, uint64(2), pr.Next)
}
