package wal_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/raft"
	"raftcheck/raft/wal"
)

func sample() ([]byte, wal.State) {
	var b []byte
	b = wal.AppendHardState(b, raft.HardState{Term: 1, Vote: 2})
	b = wal.AppendEntry(b, raft.Entry{Term: 1, Index: 1, Type: raft.EntryNoOp})
	b = wal.AppendEntry(b, raft.Entry{Term: 1, Index: 2, Data: []byte("x=1")})
	b = wal.AppendEntry(b, raft.Entry{Term: 1, Index: 3, Data: []byte("x=2")})
	// A new leader's log overrides index 3 onwards.
	b = wal.AppendHardState(b, raft.HardState{Term: 3, Vote: 3, Commit: 2})
	b = wal.AppendEntry(b, raft.Entry{Term: 3, Index: 3, Type: raft.EntryNoOp})
	b = wal.AppendEntry(b, raft.Entry{Term: 3, Index: 4, Data: []byte("y")})
	return b, wal.State{
		HardState: raft.HardState{Term: 3, Vote: 3, Commit: 2},
		Entries: []raft.Entry{
			{Term: 1, Index: 1, Type: raft.EntryNoOp},
			{Term: 1, Index: 2, Data: []byte("x=1")},
			{Term: 3, Index: 3, Type: raft.EntryNoOp},
			{Term: 3, Index: 4, Data: []byte("y")},
		},
	}
}

func TestDecodeReadsBackWhatWasWritten(t *testing.T) {
	b, want := sample()
	got, valid, err := wal.Decode(b)
	require.NoError(t, err)
	assert.Equal(t, len(b), valid)
	assert.Equal(t, want, got)
}

// TestEveryTornTailIsDiscarded cuts the WAL at every byte: whatever is
// left, Decode reads exactly the whole records before the cut and never
// misreads the torn one.
func TestEveryTornTailIsDiscarded(t *testing.T) {
	b, _ := sample()
	var ends []int // where each whole record ends
	for n := 1; n <= len(b); n++ {
		_, valid, err := wal.Decode(b[:n])
		require.NoError(t, err)
		if valid == n {
			ends = append(ends, n)
		}
	}
	require.Len(t, ends, 7, "the sample has seven records")
	for n := 0; n <= len(b); n++ {
		st, valid, err := wal.Decode(b[:n])
		require.NoError(t, err)
		wantValid := 0
		for _, e := range ends {
			if e <= n {
				wantValid = e
			}
		}
		require.Equal(t, wantValid, valid, "cut at %d", n)
		whole, _, _ := wal.Decode(b[:wantValid])
		require.Equal(t, whole, st, "cut at %d", n)
	}
}

// A flipped byte is damage, not a torn tail: in a record with records
// after it, Decode refuses the WAL rather than cut it there and drop what
// was synced after; in the last record, which a write torn below the
// record can leave damaged, the record is dropped. Either way nothing is
// misread.
func TestAFlippedByteIsRefusedOrDroppedNeverMisread(t *testing.T) {
	b, _ := sample()
	var starts []int // where each record starts
	for off := 0; off < len(b); {
		starts = append(starts, off)
		n := int(b[off])<<24 | int(b[off+1])<<16 | int(b[off+2])<<8 | int(b[off+3])
		off += 8 + n
	}
	require.Len(t, starts, 7)
	last := starts[len(starts)-1]
	for i := 0; i < len(b); i++ {
		start := 0
		for _, s := range starts {
			if s <= i {
				start = s
			}
		}
		c := append([]byte(nil), b...)
		c[i] ^= 0x40
		st, valid, err := wal.Decode(c)
		switch {
		case start == last:
			require.NoError(t, err, "byte %d", i)
			require.Equal(t, start, valid, "byte %d: the damaged last record is dropped", i)
		case i >= start+4:
			// Its checksum or its bytes: whole in length, with records after.
			require.ErrorIs(t, err, wal.ErrCorrupt, "byte %d", i)
			assert.Contains(t, err.Error(), "damaged, not torn", "byte %d", i)
			continue
		case err != nil:
			// Its length: now pointing inside the log.
			require.ErrorIs(t, err, wal.ErrCorrupt, "byte %d", i)
			continue
		default:
			// Its length: now beyond the end, which reads as torn.
			require.Equal(t, start, valid, "byte %d", i)
		}
		want, _, _ := wal.Decode(b[:start])
		require.Equal(t, want, st, "byte %d: the records before it are read as written", i)
	}
}

func TestAGapIsCorruptionNotATornTail(t *testing.T) {
	var b []byte
	b = wal.AppendEntry(b, raft.Entry{Term: 1, Index: 1})
	b = wal.AppendEntry(b, raft.Entry{Term: 1, Index: 3})
	_, valid, err := wal.Decode(b)
	require.ErrorIs(t, err, wal.ErrCorrupt)
	assert.Contains(t, err.Error(), "gap")
	_, firstOnly, _ := wal.Decode(b[:valid])
	assert.Equal(t, valid, firstOnly)
}

// A torn write can leave its prefix followed by garbage to its full
// length, as a disk that allocated the blocks but never wrote them does:
// the damaged record then looks whole in length, with garbage after it.
// That is a torn tail, discarded, never an error, wherever the cut falls.
func TestATornPrefixWithGarbageIsATornTail(t *testing.T) {
	b, _ := sample()
	x := uint64(0x9e3779b97f4a7c15)
	for n := 1; n < len(b); n++ {
		c := append([]byte(nil), b[:n]...)
		for len(c) < len(b) {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			c = append(c, byte(x))
		}
		_, valid, err := wal.Decode(c)
		require.NoError(t, err, "cut at %d", n)
		_, wantValid, _ := wal.Decode(b[:n])
		require.LessOrEqual(t, valid, n, "cut at %d: nothing of the garbage is read", n)
		require.Equal(t, wantValid, valid, "cut at %d", n)
	}
}
