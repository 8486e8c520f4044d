package etcdnode

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	pb "go.etcd.io/raft/v3/raftpb"

	"raftcheck/raft"
)

// Every entry the adapter writes to our WAL comes back as the etcd entry
// it was, so a log recovered from disk is the log etcd wrote.
func TestEntriesRoundTrip(t *testing.T) {
	changes := []raft.ConfChange{
		{Transition: raft.TransitionAuto, Changes: []raft.ConfChangeSingle{{Type: raft.AddVoter, NodeID: 4}}},
		{Transition: raft.TransitionAuto, Changes: []raft.ConfChangeSingle{{Type: raft.RemoveNode, NodeID: 1}, {Type: raft.AddLearner, NodeID: 6}}},
		{Transition: raft.TransitionJointImplicit, Changes: []raft.ConfChangeSingle{{Type: raft.RemoveNode, NodeID: 2}}},
		{Transition: raft.TransitionJointExplicit, Changes: []raft.ConfChangeSingle{{Type: raft.AddVoter, NodeID: 7}}},
		{}, // leave joint
	}
	entries := []raft.Entry{
		{Term: 2, Index: 5, Type: raft.EntryNoOp},
		{Term: 2, Index: 6, Data: []byte("cmd")},
	}
	for i, cc := range changes {
		entries = append(entries, raft.Entry{Term: 3, Index: uint64(7 + i), Type: raft.EntryConfChange, Data: cc.Encode()})
	}
	for _, e := range entries {
		pe, err := entryTo(e)
		require.NoError(t, err, "%s", e)
		back, err := entryFrom(pe)
		require.NoError(t, err, "%s", e)
		assert.Equal(t, e, back)
		again, err := entryTo(back)
		require.NoError(t, err)
		assert.Equal(t, pe.Data, again.Data, "%s encodes the same bytes each time", e)
	}
}

// What etcd never gets from this adapter is refused, not misread.
func TestForeignEntriesAreRefused(t *testing.T) {
	_, err := entryFrom(&pb.Entry{Term: new(uint64(1)), Index: new(uint64(1)), Type: pb.EntryConfChange.Enum()})
	assert.Error(t, err, "a version-1 change comes only from Bootstrap")
	_, err = entryFrom(&pb.Entry{Term: new(uint64(1)), Index: new(uint64(2)), Type: pb.EntryConfChangeV2.Enum(), Data: []byte{0xff, 0xff}})
	assert.Error(t, err, "bytes that are no ConfChangeV2")
}

func TestConfigurationsAndSnapshotsRoundTrip(t *testing.T) {
	for _, cs := range []raft.ConfState{
		{Voters: []uint64{1, 2, 3}},
		{Voters: []uint64{2, 3, 4}, VotersOutgoing: []uint64{1, 2, 3}, AutoLeave: true},
		{Voters: []uint64{1, 2, 3}, Learners: []uint64{5}},
	} {
		assert.Equal(t, cs, confStateFrom(confStateTo(cs)))
		snap := raft.Snapshot{Meta: raft.SnapshotMeta{Index: 40, Term: 3}, Conf: cs, Data: []byte("state")}
		assert.Equal(t, snap, snapshotFrom(snapshotTo(snap)))
	}
	hs := raft.HardState{Term: 4, Vote: 2, Commit: 9}
	assert.Equal(t, hs, hardStateFrom(hardStateTo(hs)))
	ctx, ok := readContextFrom(readContext(1 << 40))
	assert.True(t, ok)
	assert.Equal(t, uint64(1<<40), ctx)
}
