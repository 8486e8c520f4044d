package wal_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"raftcheck/raft"
	"raftcheck/raft/wal"
)

// A regression test found in review: a follower holds a stale uncommitted
// suffix 6..8 (term 2); the leader of term 3 sends entry 6/t3 with commit 6
// in one MsgApp. The Ready carries the HardState and Entries[6/t3], which
// harness/raftnode writes as one append, HardState first, and a crash may
// keep a strict prefix of it: here exactly the HardState record. Had that
// HardState said Commit 6, the restarted node would hold commit 6 over its
// old log and apply the stale 6/t2. A persisted commit index therefore
// never exceeds what is already durable (raft.hardState).
func TestATornHardStateNeverCommitsAStaleEntry(t *testing.T) {
	old := []raft.Entry{}
	for i := uint64(1); i <= 8; i++ {
		term := uint64(1)
		if i >= 6 {
			term = 2
		}
		old = append(old, raft.Entry{Index: i, Term: term})
	}
	// Durable WAL before: HardState{2,0,5} + entries 1..8.
	var disk []byte
	disk = wal.AppendHardState(disk, raft.HardState{Term: 2, Commit: 5})
	for _, e := range old {
		disk = wal.AppendEntry(disk, e)
	}

	cfg := func() raft.Config {
		return raft.Config{ID: 2, Peers: []uint64{1, 2, 3}, ElectionTick: 10, HeartbeatTick: 1,
			MaxInflightMsgs: 8, MaxEntriesPerMsg: 8, MaxSnapshotChunk: 1024, Rand: rand.New(rand.NewPCG(1, 2))}
	}
	st, _, err := wal.Decode(disk)
	require.NoError(t, err)
	c := cfg()
	c.HardState, c.Entries = st.HardState, st.Entries
	rn, err := raft.NewRawNode(c)
	require.NoError(t, err)
	for rn.HasReady() { // drain the restart Ready
		rn.Advance(rn.Ready())
	}

	require.NoError(t, rn.Step(raft.Message{Type: raft.MsgApp, From: 1, To: 2, Term: 3,
		Index: 5, LogTerm: 1, Entries: []raft.Entry{{Index: 6, Term: 3}}, Commit: 6}))
	rd := rn.Ready()
	require.True(t, rd.MustSync)

	// Exactly what raftnode.process appends in one Disk.Append:
	var buf []byte
	buf = wal.AppendHardState(buf, rd.HardState)
	hsLen := len(buf)
	for _, e := range rd.Entries {
		buf = wal.AppendEntry(buf, e)
	}
	// Crash before the fsync completes; a torn (strict) prefix survives:
	// the whole HardState record, none of the entry record.
	torn := append(append([]byte(nil), disk...), buf[:hsLen+3]...)
	st, valid, err := wal.Decode(torn)
	require.NoError(t, err)
	require.Less(t, valid, len(torn), "the entry record is torn")

	c = cfg()
	c.HardState, c.Entries = st.HardState, st.Entries
	rn2, err := raft.NewRawNode(c)
	require.NoError(t, err)
	rd2 := rn2.Ready()
	var applied []raft.Entry
	applied = append(applied, rd2.CommittedEntries...)
	for _, e := range applied {
		if e.Index == 6 {
			require.Equal(t, uint64(3), e.Term, "State Machine Safety: applies stale 6/t2, but 6/t3 is the committed entry")
		}
	}
}
