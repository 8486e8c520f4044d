package raft

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLogTermLookup(t *testing.T) {
	l := newRaftLog(Snapshot{}, entries(1, 1, 2), 0, 0)
	tests := []struct {
		index    uint64
		wantTerm uint64
		wantOK   bool
	}{
		{0, 0, true}, // the sentinel
		{1, 1, true},
		{3, 2, true},
		{4, 0, false},
	}
	for _, tt := range tests {
		term, ok := l.term(tt.index)
		assert.Equal(t, tt.wantTerm, term, "index %d", tt.index)
		assert.Equal(t, tt.wantOK, ok, "index %d", tt.index)
	}
	assert.Equal(t, uint64(1), l.firstIndex())
	assert.Equal(t, uint64(3), l.lastIndex())
	assert.Equal(t, uint64(2), l.lastTerm())
}

// Slices handed out cannot be used to write into the log, and truncation
// does not change slices handed out before it.
func TestLogSlicesAreIsolated(t *testing.T) {
	l := newRaftLog(Snapshot{}, entries(1, 1, 1), 0, 0)
	s := l.slice(1, 3)
	require.Len(t, s, 2)
	assert.Equal(t, 2, cap(s), "capacity cut at the slice's end")
	s = append(s, Entry{Index: 99, Term: 9})
	e, _ := l.entry(3)
	assert.Equal(t, uint64(1), e.Term, "appending to a handed-out slice did not touch the log")

	handed := l.slice(1, 4)
	l.truncateAndAppend([]Entry{{Index: 2, Term: 5}})
	assert.Equal(t, entries(1, 1, 1), handed, "the old slice still shows the old entries")
	assert.Equal(t, []uint64{1, 5}, []uint64{handed[0].Term, l.entries[2].Term})
}

// Truncation pulls back the persisted and persisting cursors so the
// replacement entries are handed out again.
func TestLogTruncationMovesCursors(t *testing.T) {
	l := newRaftLog(Snapshot{}, entries(1, 1, 1, 1), 2, 1)
	require.Equal(t, uint64(4), l.persisted)
	l.truncateAndAppend([]Entry{{Index: 3, Term: 2}})
	assert.Equal(t, uint64(2), l.persisted)
	assert.Equal(t, uint64(2), l.persisting)
	assert.Equal(t, []Entry{{Index: 3, Term: 2}}, l.unstableEntries())
	assert.Equal(t, uint64(3), l.lastIndex())
}

func TestLogCursors(t *testing.T) {
	l := newRaftLog(Snapshot{}, entries(1, 1, 1), 0, 0)
	l.appendNew(Entry{Index: 4, Term: 2})
	assert.Equal(t, []Entry{{Index: 4, Term: 2}}, l.unstableEntries())

	l.commitTo(4)
	assert.Equal(t, uint64(4), l.committed)
	l.commitTo(2)
	assert.Equal(t, uint64(4), l.committed, "commit never decreases")
	assert.Equal(t, entries(1, 1, 1), l.entriesToApply(), "entry 4 is committed but not durable")

	l.acceptUnstable()
	assert.False(t, l.stableTo(4, 1), "wrong term")
	assert.True(t, l.stableTo(4, 2))
	assert.Len(t, l.entriesToApply(), 4)
	l.acceptApplying(4)
	assert.False(t, l.hasEntriesToApply())
	l.appliedTo(9)
	assert.Equal(t, uint64(0), l.applied, "cannot apply beyond what was handed out")
	l.appliedTo(4)
	assert.Equal(t, uint64(4), l.applied)
}

func TestLogIsUpToDate(t *testing.T) {
	l := newRaftLog(Snapshot{}, entries(1, 2, 2), 0, 0)
	assert.True(t, l.isUpToDate(3, 2))
	assert.True(t, l.isUpToDate(1, 3))
	assert.False(t, l.isUpToDate(2, 2))
	assert.False(t, l.isUpToDate(9, 1))
}
