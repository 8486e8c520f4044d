package raft

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Odd input is dropped with an error, never a panic, and changes nothing.
func TestStepRejectsMalformedMessages(t *testing.T) {
	tests := []struct {
		name string
		m    Message
		want error
	}{
		{"addressed to another node", Message{Type: MsgHeartbeat, From: 2, To: 3, Term: 9}, ErrWrongRecipient},
		{"unknown type", Message{Type: 200, From: 2, To: 1, Term: 9}, ErrUnknownMessageType},
		{"type zero", Message{From: 2, To: 1, Term: 9}, ErrUnknownMessageType},
		{"no sender", Message{Type: MsgHeartbeat, To: 1, Term: 9}, ErrMalformedMessage},
		{"from itself", Message{Type: MsgHeartbeat, From: 1, To: 1, Term: 9}, ErrMalformedMessage},
		{"entries on a heartbeat", Message{Type: MsgHeartbeat, From: 2, To: 1, Term: 9, Entries: entries(1)}, ErrMalformedMessage},
		{"append with a gap", Message{Type: MsgApp, From: 2, To: 1, Term: 9, Index: 3, LogTerm: 2, Entries: []Entry{{Index: 5, Term: 2}}}, ErrMalformedMessage},
		{"append with decreasing terms", Message{Type: MsgApp, From: 2, To: 1, Term: 9, Index: 3, LogTerm: 2, Entries: []Entry{{Index: 4, Term: 1}}}, ErrMalformedMessage},
		{"append with an entry from the future", Message{Type: MsgApp, From: 2, To: 1, Term: 9, Index: 3, LogTerm: 2, Entries: []Entry{{Index: 4, Term: 10}}}, ErrMalformedMessage},
		{"append whose prev term is from the future", Message{Type: MsgApp, From: 2, To: 1, Term: 9, Index: 3, LogTerm: 10}, ErrMalformedMessage},
		{"append with an entry of term 0", Message{Type: MsgApp, From: 2, To: 1, Term: 1, Entries: []Entry{{Index: 1, Term: 0}}}, ErrMalformedMessage},
		{"the largest term", Message{Type: MsgHeartbeatResp, From: 2, To: 1, Term: math.MaxUint64}, ErrMalformedMessage},
		{"a vote whose last log term is above its term", Message{Type: MsgVote, From: 2, To: 1, Term: 3, Index: 9, LogTerm: 7}, ErrMalformedMessage},
		{"a pre-vote whose last log term is above its term", Message{Type: MsgPreVote, From: 2, To: 1, Term: 3, Index: 9, LogTerm: 7}, ErrMalformedMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rn := newTestRawNode(t, 1, 3)
			before := rn.Status()
			err := rn.Step(tt.m)
			require.ErrorIs(t, err, tt.want)
			assert.Equal(t, before, rn.Status())
			assert.False(t, rn.HasReady())
		})
	}
}

// A leader receiving an append or heartbeat of its own term from another
// node, or an ack beyond its log, reports it and carries on.
func TestStepReportsImpossibleMessagesOnLeader(t *testing.T) {
	r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{}, nil)
	r.becomeLeaderNow()
	require.ErrorIs(t, r.Step(Message{Type: MsgApp, From: 2, To: 1, Term: 1}), ErrSafetyViolation)
	require.ErrorIs(t, r.Step(Message{Type: MsgHeartbeat, From: 2, To: 1, Term: 1}), ErrSafetyViolation)
	require.ErrorIs(t, r.Step(Message{Type: MsgAppResp, From: 2, To: 1, Term: 1, Index: 99}), ErrMalformedMessage)
	assert.Equal(t, StateLeader, r.state)
	assert.Equal(t, uint64(0), r.trk.Progress[2].Match)
}

// A follower that knows the leader of its term reports a second one.
func TestStepReportsSecondLeaderOnFollower(t *testing.T) {
	r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{}, nil)
	require.NoError(t, r.Step(Message{Type: MsgHeartbeat, From: 2, To: 1, Term: 1}))
	require.ErrorIs(t, r.Step(Message{Type: MsgHeartbeat, From: 3, To: 1, Term: 1}), ErrSafetyViolation)
	assert.Equal(t, uint64(2), r.lead)
}

// An append that contradicts committed entries never changes them. Through
// Step it starts below the commit index and is answered with the commit
// index (append.go); the log's own check refuses it with an error as a
// second line of defence.
func TestCommittedEntriesAreNeverOverwritten(t *testing.T) {
	r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{Term: 2, Commit: 3}, entries(1, 1, 1))
	bad := Message{Type: MsgApp, From: 2, To: 1, Term: 2, Index: 2, LogTerm: 1, Entries: []Entry{{Index: 3, Term: 2}}}
	require.NoError(t, r.Step(bad))
	assert.Equal(t, []Message{{Type: MsgAppResp, From: 1, To: 2, Term: 2, Index: 3}}, r.readMessages())
	assert.Equal(t, []uint64{1, 1, 1}, r.logTerms())

	_, _, ok, err := r.log.maybeAppend(2, 1, 0, bad.Entries)
	require.ErrorIs(t, err, ErrSafetyViolation)
	assert.False(t, ok)
	assert.Equal(t, []uint64{1, 1, 1}, r.logTerms())
}

// Random garbage, from every role, never panics and never breaks the log
// invariants.
func TestStepSurvivesRandomMessages(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	small := func() uint64 { return uint64(rng.IntN(8)) }
	for round := range 300 {
		r := newTestRaft(t, 1, ids(3), testOptions{seed: uint64(round)}, HardState{Term: 3, Commit: 2}, entries(1, 2, 3, 3))
		switch round % 3 {
		case 1:
			r.hup()
		case 2:
			r.becomeLeaderNow()
		}
		for range 50 {
			m := Message{
				Type: MessageType(rng.IntN(10)), From: small(), To: 1, Term: small(),
				LogTerm: small(), Index: small(), Commit: small(),
				Reject: rng.IntN(2) == 0, RejectHint: small(), HintTerm: small(),
			}
			for i := range rng.IntN(3) {
				m.Entries = append(m.Entries, Entry{Index: m.Index + uint64(i) + 1, Term: small()})
			}
			assert.NotPanics(t, func() { _ = r.Step(m) }, "%s", m)
			if rng.IntN(4) == 0 {
				r.tick()
			}
			if rng.IntN(4) == 0 {
				r.persistAll()
			}
			l := r.log
			require.LessOrEqual(t, l.applied, l.committed)
			require.LessOrEqual(t, l.committed, l.lastIndex())
			require.LessOrEqual(t, l.persisted, l.lastIndex())
			require.GreaterOrEqual(t, l.committed, uint64(2), "the committed prefix is never lost")
			e, _ := l.entry(2)
			require.Equal(t, uint64(2), e.Term, "the committed entry 2/t2 never changes")
		}
	}
}
