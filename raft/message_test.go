package raft

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMessageString(t *testing.T) {
	tests := []struct {
		m    Message
		want string
	}{
		{Message{Type: MsgApp, From: 1, To: 2, Term: 3, Index: 7, LogTerm: 2, Entries: entries(1, 1, 1, 1, 1, 1, 1, 3, 3)[7:], Commit: 7},
			"MsgApp 1->2 t3 i7/t2 e[8..9] c7"},
		{Message{Type: MsgApp, From: 1, To: 2, Term: 3, Index: 7, LogTerm: 2, Entries: entries(1, 1, 1, 1, 1, 1, 1, 3)[7:], Commit: 7},
			"MsgApp 1->2 t3 i7/t2 e[8] c7"},
		{Message{Type: MsgApp, From: 1, To: 2, Term: 3, Index: 7, LogTerm: 2, Commit: 5},
			"MsgApp 1->2 t3 i7/t2 e[] c5"},
		{Message{Type: MsgAppResp, From: 2, To: 1, Term: 3, Index: 9}, "MsgAppResp 2->1 t3 i9"},
		{Message{Type: MsgAppResp, From: 2, To: 1, Term: 3, Index: 7, Reject: true, RejectHint: 5, HintTerm: 2},
			"MsgAppResp 2->1 t3 i7 rej hint 5/t2"},
		{Message{Type: MsgVote, From: 1, To: 3, Term: 4, Index: 7, LogTerm: 3}, "MsgVote 1->3 t4 last 7/t3"},
		{Message{Type: MsgPreVote, From: 1, To: 3, Term: 4, Index: 7, LogTerm: 3}, "MsgPreVote 1->3 t4 last 7/t3"},
		{Message{Type: MsgVoteResp, From: 3, To: 1, Term: 4}, "MsgVoteResp 3->1 t4 granted"},
		{Message{Type: MsgPreVoteResp, From: 3, To: 1, Term: 4, Reject: true}, "MsgPreVoteResp 3->1 t4 rejected"},
		{Message{Type: MsgHeartbeat, From: 1, To: 2, Term: 3, Commit: 6}, "MsgHeartbeat 1->2 t3 c6"},
		{Message{Type: MsgHeartbeat, From: 1, To: 2, Term: 3, Commit: 6, Context: 11}, "MsgHeartbeat 1->2 t3 c6 ctx11"},
		{Message{Type: MsgHeartbeatResp, From: 2, To: 1, Term: 3}, "MsgHeartbeatResp 2->1 t3"},
		{Message{Type: 99, From: 2, To: 1, Term: 3, Index: 4, Reject: true},
			"MessageType(99) 2->1 t3 i4/t0 e0 c0 rej hint 0/t0"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.m.String())
	}
}

func TestTypeNames(t *testing.T) {
	for typ := MsgVote; typ <= MsgHeartbeatResp; typ++ {
		assert.NotContains(t, typ.String(), "MessageType(", "type %d has a name", typ)
	}
	assert.Equal(t, "MessageType(0)", MessageType(0).String())
	assert.Equal(t, "StateLeader", StateLeader.String())
	assert.Equal(t, "StatePreCandidate", StatePreCandidate.String())
	assert.Equal(t, "noop", EntryNoOp.String())
	assert.Equal(t, "i3/t2:noop", Entry{Index: 3, Term: 2, Type: EntryNoOp}.String())
	assert.Equal(t, "i4/t2:3B", Entry{Index: 4, Term: 2, Data: []byte("abc")}.String())
	assert.Equal(t, "i5/t2", Entry{Index: 5, Term: 2}.String())
}
