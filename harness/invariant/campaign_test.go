package invariant_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"raftcheck/harness/invariant"
	"raftcheck/raft"
)

// tickN ticks node n k times as a follower would be ticked.
func tickN(t *testing.T, c *invariant.Checker, n *fakeNode, k int) {
	t.Helper()
	for range k {
		require.NoError(t, c.Ticking(n))
		require.NoError(t, c.Stepped(n))
	}
}

// campaign has n take term as a (pre-)candidate after an activation.
func campaign(c *invariant.Checker, n *fakeNode, state raft.StateType, term uint64) error {
	n.st.State, n.st.Term = state, term
	if state == raft.StateCandidate {
		n.st.Vote = n.id
	}
	return c.Stepped(n)
}

// n1 starts an election after the ticks given since the event that last
// restarted its timer; the election timeout is electionTick ticks.
func TestElectionTimer(t *testing.T) {
	heartbeat := raft.Message{Type: raft.MsgHeartbeat, From: 2, To: 1, Term: 1}
	tests := []struct {
		name  string
		setup func(c *invariant.Checker, n []*fakeNode)
		ticks int
		ok    bool
	}{
		{"an election timeout after booting", nil, electionTick, true},
		{"one tick short of it after booting", nil, electionTick - 1, false},
		{"a timeout after hearing from the leader", func(c *invariant.Checker, n []*fakeNode) {
			tickN(t, c, n[0], electionTick)
			require.NoError(t, c.Delivered(1, heartbeat))
		}, electionTick, true},
		{"too soon after hearing from the leader", func(c *invariant.Checker, n []*fakeNode) {
			tickN(t, c, n[0], electionTick)
			require.NoError(t, c.Delivered(1, heartbeat))
		}, electionTick - 3, false},
		{"too soon after granting a vote", func(c *invariant.Checker, n []*fakeNode) {
			tickN(t, c, n[0], electionTick)
			n[0].st.Term, n[0].st.Vote = 2, 3
			require.NoError(t, c.Stepped(n[0]))
		}, electionTick / 2, false},
		{"a timeout after granting a vote", func(c *invariant.Checker, n []*fakeNode) {
			tickN(t, c, n[0], electionTick)
			n[0].st.Term, n[0].st.Vote = 2, 3
			require.NoError(t, c.Stepped(n[0]))
		}, electionTick, true},
		{"too soon after its own last election", func(c *invariant.Checker, n []*fakeNode) {
			tickN(t, c, n[0], electionTick)
			require.NoError(t, campaign(c, n[0], raft.StateCandidate, 2))
		}, electionTick - 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _, n := newCluster(t, 3)
			c.SetStickiness(invariant.Stickiness{ElectionTick: electionTick})
			if tc.setup != nil {
				tc.setup(c, n)
			}
			tickN(t, c, n[0], tc.ticks)
			term := n[0].st.Term + 1
			requireOutcome(t, campaign(c, n[0], raft.StateCandidate, term), tc.ok, invariant.ElectionTimer, "n1")
		})
	}
}

// n1, a pre-candidate in term 1 of a five-node cluster, becomes a
// candidate for term 2 with the pre-vote grants that reached it.
func TestPreVoteQuorum(t *testing.T) {
	grant := func(from, term uint64) raft.Message {
		return raft.Message{Type: raft.MsgPreVoteResp, From: from, To: 1, Term: term}
	}
	tests := []struct {
		name   string
		grants []raft.Message
		ok     bool
	}{
		{"two grants and itself", []raft.Message{grant(2, 2), grant(3, 2)}, true},
		{"one grant and itself", []raft.Message{grant(2, 2)}, false},
		{"the same voter twice", []raft.Message{grant(2, 2), grant(2, 2)}, false},
		{"a grant of an older round's term counts for nothing", []raft.Message{grant(2, 2), grant(3, 1)}, false},
		{"a rejection counts for nothing", []raft.Message{grant(2, 2), {Type: raft.MsgPreVoteResp, From: 3, To: 1, Term: 2, Reject: true}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, w, n := newCluster(t, 5)
			w.voters = []uint64{1, 2, 3, 4, 5}
			c.SetStickiness(invariant.Stickiness{ElectionTick: electionTick})
			n[0].st.Term = 1
			tickN(t, c, n[0], electionTick)
			require.NoError(t, campaign(c, n[0], raft.StatePreCandidate, 1))
			for _, m := range tc.grants {
				require.NoError(t, c.Delivered(1, m))
			}
			requireOutcome(t, campaign(c, n[0], raft.StateCandidate, 2), tc.ok, invariant.PreVoteQuorum, "n1")
		})
	}
}

// n1's vote request names its last entry; only entries it holds will do.
func TestTruthfulRequest(t *testing.T) {
	tests := []struct {
		name        string
		index, term uint64
		ok          bool
	}{
		{"its last entry", 2, 1, true},
		{"an empty log", 0, 0, true},
		{"its current term instead of the entry's", 2, 3, false},
		{"an entry beyond its log", 5, 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, w, n := newCluster(t, 3)
			n[0].setLog(1, 1)
			require.NoError(t, c.Appending(n[0], 0, n[0].log))
			n[0].st.Term, n[0].st.Vote, n[0].st.State = 3, 1, raft.StateCandidate
			w.durable[1] = walOf(raft.HardState{Term: 3, Vote: 1}, 1, 1)
			m := raft.Message{Type: raft.MsgVote, From: 1, To: 2, Term: 3, Index: tc.index, LogTerm: tc.term}
			requireOutcome(t, c.Sent(1, m), tc.ok, invariant.TruthfulRequest, "n1")
		})
	}
}

// n1 leads term 2 when a request of term 3 reaches it; if it then leads no
// more, in term 3, it stepped down for the request.
func TestALeaderDisregardsRequestsOfLaterTerms(t *testing.T) {
	tests := []struct {
		name        string
		typ         raft.MessageType
		checkQuorum bool
		ok          bool
	}{
		{"a vote request with CheckQuorum", raft.MsgVote, true, false},
		{"a pre-vote request, always", raft.MsgPreVote, false, false},
		{"a vote request without CheckQuorum", raft.MsgVote, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _, n := newCluster(t, 3)
			c.SetStickiness(invariant.Stickiness{ElectionTick: electionTick, CheckQuorum: tc.checkQuorum})
			n[0].st.State, n[0].st.Term, n[0].st.Vote = raft.StateLeader, 2, 1
			require.NoError(t, c.Stepped(n[0]))
			require.NoError(t, c.Delivered(1, raft.Message{Type: tc.typ, From: 2, To: 1, Term: 3}))
			n[0].st.State, n[0].st.Term, n[0].st.Vote = raft.StateFollower, 3, 0
			requireOutcome(t, c.Stepped(n[0]), tc.ok, invariant.LeaderStickiness, "n1")
		})
	}
}

// n1 leads term 2 and has sent node 2 up to index 8 (next 9), none of it
// acknowledged yet; in the next
// activation node 2's next index moves to the given value.
func TestNextBacksOffOnRejection(t *testing.T) {
	tests := []struct {
		name     string
		rejected bool // a rejection from node 2 started the activation
		next     uint64
		ok       bool
	}{
		{"forward on an ack", false, 12, true},
		{"back after a rejection", true, 4, true},
		{"back without a rejection", false, 5, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _, n := newCluster(t, 3)
			leader := n[0]
			leader.st.State, leader.st.Term, leader.st.Vote = raft.StateLeader, 2, 1
			leader.match = map[uint64]uint64{2: 0} // nothing acknowledged yet
			leader.next = map[uint64]uint64{2: 9}
			require.NoError(t, c.Stepped(leader))
			if tc.rejected {
				require.NoError(t, c.Delivered(1, raft.Message{Type: raft.MsgAppResp, From: 2, To: 1, Term: 2, Index: 8, Reject: true}))
			}
			leader.next[2] = tc.next
			requireOutcome(t, c.Stepped(leader), tc.ok, invariant.NextBacksOffOnRejection, "n1")
		})
	}
}

// n1 leads term 2 and tracks node 2 at match 6; in the next activation
// the match moves to the given value.
func TestMatchOnlyGrows(t *testing.T) {
	tests := []struct {
		name  string
		match uint64
		ok    bool
	}{
		{"up on an ack", 8, true},
		{"unchanged", 6, true},
		{"back on a late ack of a lower index", 4, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, w, n := newCluster(t, 3)
			leader := n[0]
			leader.setLog(1, 1, 2, 2, 2, 2, 2, 2)
			leader.st.State, leader.st.Term, leader.st.Vote = raft.StateLeader, 2, 1
			leader.match = map[uint64]uint64{2: 0}
			leader.next = map[uint64]uint64{2: 9}
			require.NoError(t, c.Stepped(leader))
			// Node 2 holds the leader's log durably and acknowledges it.
			n[1].setLog(1, 1, 2, 2, 2, 2, 2, 2)
			n[1].st.Term = 2
			w.durable[2] = walOf(raft.HardState{Term: 2, Vote: 1}, 1, 1, 2, 2, 2, 2, 2, 2)
			require.NoError(t, c.Sent(2, raft.Message{Type: raft.MsgAppResp, From: 2, To: 1, Term: 2, Index: 8}))
			leader.match[2] = 6
			require.NoError(t, c.Stepped(leader))
			leader.match[2] = tc.match
			requireOutcome(t, c.Stepped(leader), tc.ok, invariant.MatchOnlyGrows, "n1")
		})
	}
}

// n1 leads term 3, tracking node 2 at match 0, next 9; a response of term
// 2 (its own earlier term) from node 2 must leave that progress alone.
func TestStaleResponseIgnored(t *testing.T) {
	tests := []struct {
		name        string
		term        uint64
		match, next uint64
		ok          bool
	}{
		{"a stale ack ignored", 2, 0, 9, true},
		{"a stale ack counted", 2, 8, 9, false},
		{"a stale rejection moving next", 2, 0, 4, false},
		{"an ack of its term moves next on", 3, 0, 12, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _, n := newCluster(t, 3)
			leader := n[0]
			leader.st.State, leader.st.Term, leader.st.Vote = raft.StateLeader, 3, 1
			leader.match = map[uint64]uint64{2: 0}
			leader.next = map[uint64]uint64{2: 9}
			require.NoError(t, c.Stepped(leader))
			ack := raft.Message{Type: raft.MsgAppResp, From: 2, To: 1, Term: tc.term, Index: 8}
			if tc.next < 9 {
				ack.Reject = true
			}
			require.NoError(t, c.Delivered(1, ack))
			leader.match[2], leader.next[2] = tc.match, tc.next
			requireOutcome(t, c.Stepped(leader), tc.ok, invariant.StaleResponseIgnored, "n1")
		})
	}
}
