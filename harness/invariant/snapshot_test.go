package invariant_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"raftcheck/harness/invariant"
	"raftcheck/raft"
	"raftcheck/raft/wal"
)

func TestSnapshotSafety(t *testing.T) {
	c, _, n := newCluster(t, 3)
	n[0].setLog(1, 1, 2)
	n[0].st.Commit = 3
	n[0].applied = n[0].log
	require.NoError(t, c.Applied(n[0], n[0].log))

	require.NoError(t, c.Compacted(n[0], raft.SnapshotMeta{Index: 3, Term: 2}))
	requireViolation(t, c.Compacted(n[0], raft.SnapshotMeta{Index: 4, Term: 2}), invariant.SnapshotSafety, "n1")
	require.NoError(t, c.Restored(n[1], raft.SnapshotMeta{Index: 2, Term: 1}))
	requireViolation(t, c.Restored(n[1], raft.SnapshotMeta{Index: 2, Term: 2}), invariant.SnapshotSafety, "n2")
	requireViolation(t, c.Restored(n[2], raft.SnapshotMeta{Index: 7, Term: 2}), invariant.SnapshotSafety, "n3")
}

// The durable model of a disk with a snapshot: a WAL that starts after a
// snapshot the disk does not hold durably cannot be recovered, and neither
// can a snapshot of a later term than the durable HardState.
func TestDurableSnapshotAndWAL(t *testing.T) {
	snapFile := func(index, term uint64) []byte {
		return wal.EncodeSnapshot(raft.Snapshot{Meta: raft.SnapshotMeta{Index: index, Term: term}, Conf: raft.ConfState{Voters: []uint64{1, 2, 3}}})
	}
	walAfter := func(hsTerm, index, term uint64) []byte {
		b := wal.AppendHardState(nil, raft.HardState{Term: hsTerm})
		return wal.AppendStart(b, raft.SnapshotMeta{Index: index, Term: term})
	}
	tests := []struct {
		name      string
		snapshot  []byte
		wal       []byte
		invariant string // "" when the disk is recoverable
	}{
		{"a WAL after the durable snapshot", snapFile(5, 2), walAfter(2, 5, 2), ""},
		{"a snapshot ahead of the WAL's start", snapFile(8, 2), walAfter(2, 5, 2), ""},
		{"a WAL after a snapshot the disk lacks", nil, walAfter(2, 5, 2), invariant.DurableBeforeSent},
		{"a WAL after a later snapshot than the disk's", snapFile(3, 1), walAfter(2, 5, 2), invariant.DurableBeforeSent},
		{"a snapshot above the HardState's term", snapFile(5, 3), walAfter(2, 5, 3), invariant.RecoverablePrefix},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, w, n := newCluster(t, 3)
			w.durable[1], w.snapshots = tt.wal, map[uint64][]byte{1: tt.snapshot}
			n[0].st.Term = 2
			err := c.Sent(1, raft.Message{Type: raft.MsgHeartbeatResp, From: 1, To: 2, Term: 2})
			if tt.invariant == "" {
				require.NoError(t, err)
				return
			}
			requireViolation(t, err, tt.invariant, "n1")
		})
	}
}

// A vote granted stays durable for its whole term: a rewrite of the disk
// that drops it (a WAL started over with the vote left out, say) is caught
// at the node's next message, before any second vote could be cast.
func TestAGrantedVoteStaysDurable(t *testing.T) {
	c, w, n := newCluster(t, 3)
	n[0].st.Term, n[0].st.Vote = 3, 2
	w.durable[1] = wal.AppendHardState(nil, raft.HardState{Term: 3, Vote: 2})
	require.NoError(t, c.Sent(1, raft.Message{Type: raft.MsgVoteResp, From: 1, To: 2, Term: 3}))
	require.NoError(t, c.Sent(1, raft.Message{Type: raft.MsgHeartbeatResp, From: 1, To: 2, Term: 3}))
	w.durable[1] = wal.AppendStart(wal.AppendHardState(nil, raft.HardState{Term: 3}), raft.SnapshotMeta{})
	requireViolation(t, c.Sent(1, raft.Message{Type: raft.MsgHeartbeatResp, From: 1, To: 2, Term: 3}), invariant.DurableBeforeSent, "n1")
}
