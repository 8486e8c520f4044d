package invariant_test

import (
	"testing"

	"raftcheck/harness/invariant"
	"raftcheck/raft"
)

// n2, whose log has entries of terms 1 1 2 2 3, rejects an append of n1,
// the leader of term 4; its hint must be its last entry at or below the
// append's previous index with a term at most the previous entry's term.
func TestRejectionHint(t *testing.T) {
	app := func(index, logTerm uint64) raft.Message {
		return raft.Message{Type: raft.MsgApp, From: 1, To: 2, Term: 4, Index: index, LogTerm: logTerm}
	}
	reject := func(index, hint, hintTerm uint64) raft.Message {
		return raft.Message{Type: raft.MsgAppResp, From: 2, To: 1, Term: 4, Index: index, Reject: true, RejectHint: hint, HintTerm: hintTerm}
	}
	tests := []struct {
		name      string
		delivered *raft.Message
		sent      raft.Message
		ok        bool
	}{
		{"its last entry, whose term is below the append's", ptr(app(5, 4)), reject(5, 5, 3), true},
		{"skipping the entries of a later term", ptr(app(5, 2)), reject(5, 4, 2), true},
		{"past its log, from its last entry", ptr(app(8, 4)), reject(8, 5, 3), true},
		{"one entry too far back", ptr(app(5, 2)), reject(5, 3, 2), false},
		{"the right index with the wrong term", ptr(app(5, 2)), reject(5, 4, 3), false},
		{"an entry of a term above the append's", ptr(app(5, 2)), reject(5, 5, 3), false},
		{"a rejection of an append it never received is not judged", nil, reject(5, 1, 1), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _, n := newCluster(t, 3)
			n[1].setLog(1, 1, 2, 2, 3)
			n[1].st.Term = 3
			if tc.delivered != nil {
				if err := c.Delivered(2, *tc.delivered); err != nil {
					t.Fatal(err)
				}
			}
			n[1].st.Term = 4 // it took the leader's term
			requireOutcome(t, c.Sent(2, tc.sent), tc.ok, invariant.RejectionHint, "n2")
		})
	}
}

func ptr(m raft.Message) *raft.Message { return &m }

// Two copies of one append reach n2 while its rejections wait for an
// fsync, the second after its log grew: each rejection answers the copy
// it was made for, in order.
func TestRejectionHintsAnswerTheirCopies(t *testing.T) {
	app := raft.Message{Type: raft.MsgApp, From: 1, To: 2, Term: 4, Index: 8, LogTerm: 4}
	reject := func(hint, hintTerm uint64) raft.Message {
		return raft.Message{Type: raft.MsgAppResp, From: 2, To: 1, Term: 4, Index: 8, Reject: true, RejectHint: hint, HintTerm: hintTerm}
	}
	for _, tc := range []struct {
		name   string
		second raft.Message
		ok     bool
	}{
		{"in order", reject(6, 4), true},
		{"the first copy's hint twice", reject(5, 3), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _, n := newCluster(t, 3)
			n[1].setLog(1, 1, 2, 2, 3)
			n[1].st.Term = 4
			requireOutcome(t, c.Delivered(2, app), true, "", "")
			n[1].setLog(1, 1, 2, 2, 3, 4)
			requireOutcome(t, c.Delivered(2, app), true, "", "")
			requireOutcome(t, c.Sent(2, reject(5, 3)), true, "", "")
			requireOutcome(t, c.Sent(2, tc.second), tc.ok, invariant.RejectionHint, "n2")
		})
	}
}
