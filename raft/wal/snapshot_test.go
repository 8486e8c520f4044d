package wal_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/raft"
	"raftcheck/raft/wal"
)

func meta(index, term uint64) raft.SnapshotMeta { return raft.SnapshotMeta{Index: index, Term: term} }

func TestALogThatStartsAfterASnapshot(t *testing.T) {
	var b []byte
	b = wal.AppendHardState(b, raft.HardState{Term: 2, Vote: 1})
	b = wal.AppendEntry(b, raft.Entry{Term: 1, Index: 1})
	b = wal.AppendEntry(b, raft.Entry{Term: 2, Index: 2})
	// Rewritten after a snapshot at 5: what came before is forgotten.
	b = wal.AppendHardState(b, raft.HardState{Term: 3, Vote: 1, Commit: 5})
	b = wal.AppendStart(b, meta(5, 2))
	b = wal.AppendEntry(b, raft.Entry{Term: 3, Index: 6})
	b = wal.AppendEntry(b, raft.Entry{Term: 3, Index: 7, Data: []byte("z")})
	st, valid, err := wal.Decode(b)
	require.NoError(t, err)
	assert.Equal(t, len(b), valid)
	assert.Equal(t, meta(5, 2), st.Start)
	assert.Equal(t, uint64(7), st.LastIndex())
	assert.Equal(t, []raft.Entry{{Term: 3, Index: 6}, {Term: 3, Index: 7, Data: []byte("z")}}, st.Entries)
	term, ok := st.Term(5)
	assert.True(t, ok)
	assert.Equal(t, uint64(2), term, "the start's own index has a known term")
	_, ok = st.Term(4)
	assert.False(t, ok)

	bad := wal.AppendEntry(append([]byte(nil), b...), raft.Entry{Term: 3, Index: 5})
	_, _, err = wal.Decode(bad)
	require.ErrorIs(t, err, wal.ErrCorrupt, "an entry the snapshot covers cannot follow the start")
}

func TestAfterReconcilesTheSnapshotWithTheLog(t *testing.T) {
	// A WAL starting after snapshot 3/t1 with entries 4..7 of terms
	// 1, 2, 2, 3.
	st := wal.State{Start: meta(3, 1), Entries: []raft.Entry{
		{Index: 4, Term: 1}, {Index: 5, Term: 2}, {Index: 6, Term: 2}, {Index: 7, Term: 3},
	}}
	tests := []struct {
		name string
		snap raft.SnapshotMeta
		want []uint64 // indexes kept
		err  bool
	}{
		{"the snapshot the log starts after", meta(3, 1), []uint64{4, 5, 6, 7}, false},
		{"a newer snapshot whose last entry the log holds", meta(5, 2), []uint64{6, 7}, false},
		{"a newer snapshot at the log's end", meta(7, 3), nil, false},
		{"a newer snapshot the log conflicts with", meta(6, 3), nil, false},
		{"a newer snapshot beyond the log", meta(9, 4), nil, false},
		{"an older snapshot than the log's start", meta(2, 1), nil, true},
		{"no snapshot for a log that starts after one", raft.SnapshotMeta{}, nil, true},
		{"another snapshot at the start's index", meta(3, 2), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := st.After(tt.snap)
			if tt.err {
				require.ErrorIs(t, err, wal.ErrCorrupt)
				return
			}
			require.NoError(t, err)
			var idx []uint64
			for _, e := range got {
				idx = append(idx, e.Index)
			}
			assert.Equal(t, tt.want, idx)
		})
	}
}

func TestSnapshotFileRoundTrip(t *testing.T) {
	snap := raft.Snapshot{Meta: meta(42, 7), Data: []byte("the state machine"),
		Conf: raft.ConfState{Voters: []uint64{1, 2, 4}, VotersOutgoing: []uint64{1, 2, 3}, Learners: []uint64{5}, AutoLeave: true}}
	got, err := wal.DecodeSnapshot(wal.EncodeSnapshot(snap))
	require.NoError(t, err)
	assert.Equal(t, snap, got)

	empty := raft.Snapshot{Meta: meta(1, 1), Conf: raft.ConfState{Voters: []uint64{1}}}
	got, err = wal.DecodeSnapshot(wal.EncodeSnapshot(empty))
	require.NoError(t, err)
	assert.Equal(t, empty.Meta, got.Meta)
	assert.Empty(t, got.Data)
}

func TestDamagedSnapshotFilesAreRefused(t *testing.T) {
	good := wal.EncodeSnapshot(raft.Snapshot{Meta: meta(42, 7), Conf: raft.ConfState{Voters: []uint64{1, 2, 3}}, Data: []byte("the state machine")})
	flip := func(i int) []byte {
		b := append([]byte(nil), good...)
		b[i] ^= 0x10
		return b
	}
	tests := []struct {
		name string
		file []byte
	}{
		{"empty", nil},
		{"not a snapshot", []byte("hello, world, this is not one")},
		{"a bit flipped in the data", flip(len(good) - 8)},
		{"a bit flipped in the index", flip(8)},
		{"a bit flipped in the checksum", flip(len(good) - 1)},
		{"cut short", good[:len(good)-3]},
		{"a byte added", append(append([]byte(nil), good...), 0)},
		{"a snapshot of nothing", wal.EncodeSnapshot(raft.Snapshot{Conf: raft.ConfState{Voters: []uint64{1}}})},
		{"a configuration without voters", wal.EncodeSnapshot(raft.Snapshot{Meta: meta(3, 1)})},
		{"ids out of order", wal.EncodeSnapshot(raft.Snapshot{Meta: meta(3, 1), Conf: raft.ConfState{Voters: []uint64{2, 1}}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wal.DecodeSnapshot(tt.file)
			require.ErrorIs(t, err, wal.ErrCorrupt)
		})
	}
	for n := range len(good) {
		_, err := wal.DecodeSnapshot(good[:n])
		require.ErrorIs(t, err, wal.ErrCorrupt, "prefix of %d bytes", n)
	}
}

func FuzzDecodeSnapshot(f *testing.F) {
	f.Add(wal.EncodeSnapshot(raft.Snapshot{Meta: meta(42, 7), Conf: raft.ConfState{Voters: []uint64{1, 2, 3}, Learners: []uint64{4}}, Data: []byte("the state machine")}))
	f.Add([]byte("RCSNAP1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		snap, err := wal.DecodeSnapshot(b)
		if err != nil {
			return
		}
		assert.Equal(t, b, wal.EncodeSnapshot(snap), "an accepted file is exactly the encoding of what it holds")
	})
}
