package invariant_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"raftcheck/harness/invariant"
	"raftcheck/raft"
)

// n1, a follower of term 2, is delivered the messages given, then shows
// the state given.
func TestTermLearned(t *testing.T) {
	preVote := raft.Message{Type: raft.MsgPreVote, From: 2, To: 1, Term: 3}
	grant := raft.Message{Type: raft.MsgPreVoteResp, From: 2, To: 1, Term: 3}
	app := raft.Message{Type: raft.MsgApp, From: 3, To: 1, Term: 3}
	tests := []struct {
		name      string
		delivered []raft.Message
		state     raft.StateType
		ok        bool
	}{
		{"a term taken from a pre-vote request", []raft.Message{preVote}, raft.StateFollower, false},
		{"a term taken from a pre-vote grant", []raft.Message{grant}, raft.StatePreCandidate, false},
		{"a pre-vote, then an append of that term", []raft.Message{preVote, app}, raft.StateFollower, true},
		{"a pre-vote won, then its campaign", []raft.Message{grant}, raft.StateCandidate, true},
		{"a term with no message the checker saw", nil, raft.StateFollower, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _, n := newCluster(t, 3)
			n[0].st.Term = 2
			require.NoError(t, c.Stepped(n[0]))
			for _, m := range tc.delivered {
				require.NoError(t, c.Delivered(1, m))
			}
			n[0].st.State, n[0].st.Term = tc.state, 3
			if tc.state == raft.StateCandidate {
				n[0].st.Vote = 1
			}
			requireOutcome(t, c.Stepped(n[0]), tc.ok, invariant.TermLearned, "n1")
		})
	}
}
