package raft

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Fast backtracking with conflict hints. Each rejection says where the
// follower's log could still agree, skipping whole terms (findConflictByTerm
// on both sides) instead of one index per round trip. These are the
// followers of Figure 7 of the paper facing the leader of term 8, plus long
// divergent logs; each must converge in at most one rejection.
func TestConflictHintsConvergeInFewRoundTrips(t *testing.T) {
	leader := []uint64{1, 1, 1, 4, 4, 5, 5, 6, 6, 6}
	long := func(prefix []uint64, term uint64, n int) []uint64 {
		out := slices.Clone(prefix)
		for range n {
			out = append(out, term)
		}
		return out
	}
	tests := []struct {
		name           string
		leader         []uint64
		follower       []uint64
		wantRejections int
	}{
		{"figure 7a: missing one entry", leader, []uint64{1, 1, 1, 4, 4, 5, 5, 6, 6}, 1},
		{"figure 7b: missing many", leader, []uint64{1, 1, 1, 4}, 1},
		{"figure 7c: one extra entry", leader, []uint64{1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6}, 0},
		{"figure 7d: extra entries of a later term", leader, []uint64{1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7}, 0},
		{"figure 7e: missing and extra", leader, []uint64{1, 1, 1, 4, 4, 4, 4}, 1},
		{"figure 7f: extra entries of old terms", leader, []uint64{1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3}, 1},
		{"100 divergent entries of a deposed leader", long([]uint64{1, 1, 1}, 3, 50), long([]uint64{1, 1, 1}, 2, 100), 1},
		{"100 entries behind", long([]uint64{1, 1, 1}, 3, 100), []uint64{1, 1, 1}, 1},
		{"leader skips its own run of terms", long([]uint64{1, 2, 2}, 5, 100), long([]uint64{1, 2, 2}, 4, 100), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Node 3 has the leader's log too, so node 1 wins whatever
			// node 2 thinks of its log.
			n := newNetworkWithLogs(t, testOptions{maxEntries: 1000}, tt.leader, tt.follower, tt.leader)
			n.elect(1)
			n.tickAndStabilize(2)

			rejections := n.count(func(m Message) bool {
				return m.Type == MsgAppResp && m.From == 2 && m.Reject
			})
			assert.Equal(t, tt.wantRejections, rejections)
			assert.Equal(t, n.raft(1).logTerms(), n.raft(2).logTerms(), "follower converged to the leader's log")
			assert.Equal(t, n.status(1).LastIndex, n.status(2).Commit)
			n.requireNoStepErrors()
		})
	}
}

// The follower's hint, unit by unit: the highest index <= min(prevIndex,
// last index) whose term is <= prevTerm, and that term.
func TestFollowerRejectHint(t *testing.T) {
	follower := []uint64{1, 1, 2, 2, 2, 5, 5} // indexes 1..7
	tests := []struct {
		name              string
		prevIndex         uint64
		prevTerm          uint64
		wantHint, wantTrm uint64
	}{
		{"prev beyond last: last entry", 10, 6, 7, 5},
		{"skip the term-5 run", 7, 4, 5, 2},
		{"skip back to term 1", 5, 1, 2, 1},
		{"nothing agrees", 7, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{Term: 6}, entries(follower...))
			require.NoError(t, r.Step(Message{Type: MsgApp, From: 2, To: 1, Term: 6, Index: tt.prevIndex, LogTerm: tt.prevTerm}))
			msgs := r.readMessages()
			require.Len(t, msgs, 1)
			assert.Equal(t, Message{
				Type: MsgAppResp, From: 1, To: 2, Term: 6,
				Index: tt.prevIndex, Reject: true, RejectHint: tt.wantHint, HintTerm: tt.wantTrm,
			}, msgs[0])
		})
	}
}

// The leader's use of the hint: it probes next right after the highest of
// its own indexes <= hint whose term is <= the hint's term.
func TestLeaderUsesRejectHint(t *testing.T) {
	tests := []struct {
		name     string
		hint     uint64
		hintTerm uint64
		wantNext uint64
	}{
		{"follower's entry agrees in term", 4, 2, 5},
		{"skip the leader's term-3 run", 6, 2, 5},
		{"hint 0", 0, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Leader log 1,2,2,2,3,3,3 then its no-op of term 4 at 8.
			r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{Term: 3}, entries(1, 2, 2, 2, 3, 3, 3))
			r.becomeLeaderNow()
			require.NoError(t, r.Step(Message{
				Type: MsgAppResp, From: 2, To: 1, Term: 4,
				Index: 7, Reject: true, RejectHint: tt.hint, HintTerm: tt.hintTerm,
			}))
			assert.Equal(t, tt.wantNext, r.trk.Progress[2].Next)
			apps := ofType(r.readMessages(), MsgApp)
			require.Len(t, apps, 1, "the leader probes again at once")
			assert.Equal(t, tt.wantNext-1, apps[0].Index)
		})
	}
}

// A rejection that does not answer the outstanding probe (a duplicate, or a
// reply to an older probe) changes nothing.
func TestStaleRejectionIgnored(t *testing.T) {
	r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{Term: 3}, entries(1, 2, 2, 2, 3, 3, 3))
	r.becomeLeaderNow()
	pr := r.trk.Progress[2]
	require.Equal(t, uint64(8), pr.Next)
	require.NoError(t, r.Step(Message{Type: MsgAppResp, From: 2, To: 1, Term: 4, Index: 5, Reject: true, RejectHint: 1, HintTerm: 1}))
	assert.Equal(t, uint64(8), pr.Next)
	assert.Empty(t, ofType(r.readMessages(), MsgApp))
}
