package raft

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newTestRawNode(t *testing.T, id uint64, size int) *RawNode {
	rn, err := NewRawNode(testOptions{}.config(id, ids(size)))
	require.NoError(t, err)
	return rn
}

// A fresh node has nothing to do until something happens.
func TestRawNodeFreshHasNoReady(t *testing.T) {
	rn := newTestRawNode(t, 1, 3)
	assert.False(t, rn.HasReady())
	assert.Equal(t, Ready{}, rn.Ready())
}

// MustSync is set exactly when Term, Vote or the log changed; Commit alone
// does not need an fsync.
func TestRawNodeMustSync(t *testing.T) {
	rn := newTestRawNode(t, 1, 3)

	// A vote: term and vote change.
	require.NoError(t, rn.Step(Message{Type: MsgVote, From: 2, To: 1, Term: 1}))
	rd := rn.Ready()
	assert.True(t, rd.MustSync)
	assert.Equal(t, HardState{Term: 1, Vote: 2}, rd.HardState)
	rn.Advance(rd)

	// An append: entries.
	require.NoError(t, rn.Step(Message{Type: MsgApp, From: 2, To: 1, Term: 1, Entries: []Entry{{Index: 1, Term: 1}}}))
	rd = rn.Ready()
	assert.True(t, rd.MustSync)
	assert.True(t, rd.HardState.IsEmpty())
	assert.Len(t, rd.Entries, 1)
	rn.Advance(rd)

	// A heartbeat moving the commit index only.
	require.NoError(t, rn.Step(Message{Type: MsgHeartbeat, From: 2, To: 1, Term: 1, Commit: 1}))
	rd = rn.Ready()
	assert.False(t, rd.MustSync)
	assert.Equal(t, HardState{Term: 1, Vote: 2, Commit: 1}, rd.HardState)
	assert.Len(t, rd.CommittedEntries, 1)
	rn.Advance(rd)
	assert.False(t, rn.HasReady())
}

// CommittedEntries only holds entries already durable: an entry that is
// committed in the same Ready that first hands it out for persisting is
// applied only after Advance confirms it.
func TestRawNodeAppliesOnlyDurableEntries(t *testing.T) {
	rn := newTestRawNode(t, 1, 3)
	require.NoError(t, rn.Step(Message{Type: MsgApp, From: 2, To: 1, Term: 1, Entries: []Entry{{Index: 1, Term: 1}}, Commit: 1}))
	rd := rn.Ready()
	assert.Len(t, rd.Entries, 1)
	assert.Equal(t, uint64(0), rd.HardState.Commit, "the commit index is not persisted past what is durable")
	assert.Empty(t, rd.CommittedEntries, "entry 1 is not durable yet")
	rn.Advance(rd)

	require.True(t, rn.HasReady())
	rd = rn.Ready()
	assert.Equal(t, []Entry{{Index: 1, Term: 1}}, rd.CommittedEntries)
	rn.Advance(rd)
	assert.Equal(t, uint64(1), rn.Status().Applied)
}

// Between Ready and Advance the node keeps working; what it does goes into
// the next Ready, which is handed out once the first is advanced.
func TestRawNodeWorkBetweenReadyAndAdvance(t *testing.T) {
	rn := newTestRawNode(t, 1, 3)
	require.NoError(t, rn.Step(Message{Type: MsgApp, From: 2, To: 1, Term: 1, Entries: []Entry{{Index: 1, Term: 1}}}))
	rd1 := rn.Ready()
	require.Len(t, rd1.Entries, 1)

	require.NoError(t, rn.Step(Message{Type: MsgApp, From: 2, To: 1, Term: 1, Index: 1, LogTerm: 1, Entries: []Entry{{Index: 2, Term: 1}}}))
	assert.False(t, rn.HasReady(), "the next Ready waits for Advance")
	rn.Advance(rd1)
	assert.Equal(t, uint64(1), rn.Status().Persisted)

	rd2 := rn.Ready()
	assert.Equal(t, []Entry{{Index: 2, Term: 1}}, rd2.Entries, "only the new entry")
	assert.Equal(t, uint64(2), rd2.Messages[0].Index)
	rn.Advance(rd2)
	assert.Equal(t, uint64(2), rn.Status().Persisted)
}

// If entries handed out in a Ready are replaced by a new leader before the
// Ready is advanced, its Advance does not mark the replacements durable:
// they are handed out again, starting at the truncation point.
func TestRawNodeTruncationBeforeAdvance(t *testing.T) {
	rn := newTestRawNode(t, 1, 3)
	require.NoError(t, rn.Step(Message{Type: MsgApp, From: 2, To: 1, Term: 1, Entries: entries(1, 1, 1)}))
	rd1 := rn.Ready()
	require.Len(t, rd1.Entries, 3)

	// Term 2's leader replaces entries 2 and 3 before rd1 is advanced.
	require.NoError(t, rn.Step(Message{Type: MsgApp, From: 3, To: 1, Term: 2, Index: 1, LogTerm: 1, Entries: entries(1, 2, 2)[1:]}))
	rn.Advance(rd1)
	assert.Equal(t, uint64(0), rn.Status().Persisted, "rd1's last entry 3/t1 is gone: nothing confirmed")

	rd2 := rn.Ready()
	require.Len(t, rd2.Entries, 2)
	assert.Equal(t, uint64(2), rd2.Entries[0].Index, "the caller must cut its log back to index 1 first")
	assert.Equal(t, uint64(2), rd2.Entries[0].Term)
	rn.Advance(rd2)
	assert.Equal(t, uint64(3), rn.Status().Persisted)
}

// The invariant checker's accessors.
func TestRawNodeAccessors(t *testing.T) {
	cfg := testOptions{}.config(1, ids(3))
	cfg.HardState = HardState{Term: 2}
	cfg.Entries = entries(1, 2)
	rn, err := NewRawNode(cfg)
	require.NoError(t, err)
	assert.Equal(t, uint64(2), rn.LastIndex())
	e, ok := rn.Entry(2)
	assert.True(t, ok)
	assert.Equal(t, Entry{Index: 2, Term: 2}, e)
	_, ok = rn.Entry(0)
	assert.False(t, ok)
	_, ok = rn.Entry(3)
	assert.False(t, ok)
	assert.Equal(t, "1 StateFollower t2 vote=0 lead=0 commit=0 applied=0 last=2 persisted=2", rn.Status().String())
}

// Readys are handed out one at a time: a second Ready before Advance could
// carry a message that depends on the first one's writes.
func TestRawNodeHandsOutOneReadyAtATime(t *testing.T) {
	rn := newTestRawNode(t, 1, 3)
	vote := Message{Type: MsgVote, From: 2, To: 1, Term: 2, Index: 0, LogTerm: 0}
	require.NoError(t, rn.Step(vote))
	rd := rn.Ready()
	require.True(t, rd.MustSync, "the vote must be durable before the grant leaves")
	require.NoError(t, rn.Step(vote)) // retransmitted before the fsync completes
	assert.False(t, rn.HasReady(), "nothing more until the first Ready is advanced")
	assert.Panics(t, func() { rn.Ready() })
	rn.Advance(rd)
	require.True(t, rn.HasReady())
	rd = rn.Ready()
	require.Len(t, rd.Messages, 1)
	assert.False(t, rd.Messages[0].Reject, "the retransmission is granted again, after the vote is durable")
}
