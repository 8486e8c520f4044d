package tracker

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/raft/quorum"
)

func TestProgressMaybeUpdate(t *testing.T) {
	tests := []struct {
		name        string
		match, next uint64
		ack         uint64
		wantUpdated bool
		wantMatch   uint64
		wantNext    uint64
	}{
		{"stale ack", 5, 8, 4, false, 5, 8},
		{"duplicate ack", 5, 8, 5, false, 5, 8},
		{"progress within next", 5, 8, 6, true, 6, 8},
		{"progress beyond next", 5, 8, 9, true, 9, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr := NewProgress(tt.next, 4)
			pr.Match = tt.match
			pr.ProbeSent = true
			assert.Equal(t, tt.wantUpdated, pr.MaybeUpdate(tt.ack))
			assert.Equal(t, tt.wantMatch, pr.Match)
			assert.Equal(t, tt.wantNext, pr.Next)
			assert.Equal(t, !tt.wantUpdated, pr.ProbeSent, "a real ack unpauses a probe")
		})
	}
}

func TestProgressMaybeDecrTo(t *testing.T) {
	tests := []struct {
		name        string
		state       StateType
		match, next uint64
		rejected    uint64
		hint        uint64
		wantOK      bool
		wantNext    uint64
	}{
		// Replicate: a rejection at or below Match is stale.
		{"replicate stale", StateReplicate, 5, 10, 5, 5, false, 10},
		// Replicate: fall back to Match+1 whatever the hint says.
		{"replicate real", StateReplicate, 5, 10, 9, 2, true, 6},
		// Probe: only the outstanding probe (prev == Next-1) counts.
		{"probe stale", StateProbe, 0, 10, 5, 2, false, 10},
		{"probe uses hint", StateProbe, 0, 10, 9, 3, true, 4},
		{"probe hint beyond rejected", StateProbe, 0, 10, 9, 20, true, 9},
		{"probe never below match", StateProbe, 4, 10, 9, 1, true, 5},
		{"probe hint zero", StateProbe, 0, 10, 9, 0, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr := NewProgress(tt.next, 4)
			pr.Match, pr.State, pr.ProbeSent = tt.match, tt.state, true
			assert.Equal(t, tt.wantOK, pr.MaybeDecrTo(tt.rejected, tt.hint))
			assert.Equal(t, tt.wantNext, pr.Next)
		})
	}
}

func TestProgressPausing(t *testing.T) {
	pr := NewProgress(3, 2)
	assert.False(t, pr.IsPaused())
	pr.SentEntries(4, 2)
	assert.True(t, pr.IsPaused(), "a probe waits for its answer")
	assert.Equal(t, uint64(3), pr.Next, "probing does not advance Next")

	require.True(t, pr.MaybeUpdate(4))
	pr.BecomeReplicate()
	assert.Equal(t, uint64(5), pr.Next)
	pr.SentEntries(6, 2)
	assert.False(t, pr.IsPaused())
	assert.Equal(t, uint64(7), pr.Next, "replicating advances Next optimistically")
	pr.SentEntries(6, 0) // an empty append occupies no slot
	assert.False(t, pr.IsPaused())
	pr.SentEntries(8, 2)
	assert.True(t, pr.IsPaused(), "two appends in flight fill a window of two")
	pr.Inflights.FreeLE(6)
	assert.False(t, pr.IsPaused())

	pr.BecomeProbe()
	assert.Equal(t, uint64(5), pr.Next)
	assert.Equal(t, 0, pr.Inflights.Count())
}

func TestProgressString(t *testing.T) {
	pr := NewProgress(8, 16)
	pr.Match = 7
	pr.BecomeReplicate()
	pr.SentEntries(9, 2)
	pr.RecentActive = true
	assert.Equal(t, "StateReplicate match=7 next=10 inflight=1/16 active", pr.String())
}

func TestTrackerCommittedAndVotes(t *testing.T) {
	tr := NewProgressTracker([]uint64{3, 1, 2}, 8)
	assert.Equal(t, []uint64{1, 2, 3}, tr.IDs())
	tr.Progress[1].Match = 9
	tr.Progress[2].Match = 4
	tr.Progress[3].Match = 2
	assert.Equal(t, uint64(4), tr.Committed())

	tr.RecordVote(1, true)
	tr.RecordVote(2, false)
	tr.RecordVote(2, true) // a second answer from 2 is ignored
	g, r, res := tr.TallyVotes()
	assert.Equal(t, 1, g)
	assert.Equal(t, 1, r)
	assert.Equal(t, quorum.VotePending, res)
	tr.RecordVote(3, true)
	_, _, res = tr.TallyVotes()
	assert.Equal(t, quorum.VoteWon, res)
	tr.ResetVotes()
	g, r, _ = tr.TallyVotes()
	assert.Zero(t, g+r)
}

func TestTrackerQuorumActive(t *testing.T) {
	tr := NewProgressTracker([]uint64{1, 2, 3, 4, 5}, 8)
	tr.Progress[1].RecentActive = true
	tr.Progress[4].RecentActive = true
	assert.False(t, tr.QuorumActive())
	tr.Progress[5].RecentActive = true
	assert.True(t, tr.QuorumActive())

	var order []uint64
	tr.Visit(func(id uint64, _ *Progress) { order = append(order, id) })
	assert.Equal(t, []uint64{1, 2, 3, 4, 5}, order)
}
