package invariant_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"raftcheck/harness/invariant"
	"raftcheck/raft"
	"raftcheck/raft/wal"
)

// walOf is a durable WAL holding hs and then entries 1..len(terms) of the
// given terms.
func walOf(hs raft.HardState, terms ...uint64) []byte {
	b := wal.AppendHardState(nil, hs)
	for i, t := range terms {
		b = wal.AppendEntry(b, raft.Entry{Index: uint64(i + 1), Term: t})
	}
	return b
}

func voteResp(from, to, term uint64) raft.Message {
	return raft.Message{Type: raft.MsgVoteResp, From: from, To: to, Term: term}
}

func preVoteResp(from, to, term uint64) raft.Message {
	return raft.Message{Type: raft.MsgPreVoteResp, From: from, To: to, Term: term}
}

func appResp(from, to, term, index uint64) raft.Message {
	return raft.Message{Type: raft.MsgAppResp, From: from, To: to, Term: term, Index: index}
}

func requireOutcome(t *testing.T, err error, ok bool, want, node string) {
	t.Helper()
	if ok {
		require.NoError(t, err)
	} else {
		requireViolation(t, err, want, node)
	}
}

// Every message n2 sends is judged against what its disk would give back
// if it crashed at that instant.
func TestDurableBeforeSent(t *testing.T) {
	rejected := func(m raft.Message) raft.Message { m.Reject = true; return m }
	tests := []struct {
		name    string
		durable []byte // n2's durable WAL
		msg     raft.Message
		ok      bool
	}{
		// Granted votes.
		{"a granted vote of the durable term with no durable vote", walOf(raft.HardState{Term: 5}), voteResp(2, 1, 5), false},
		{"a granted vote while another candidate is the durable vote", walOf(raft.HardState{Term: 5, Vote: 3}), voteResp(2, 1, 5), false},
		{"a granted vote of a term not yet durable", walOf(raft.HardState{Term: 4, Vote: 1}), voteResp(2, 1, 5), false},
		{"a granted vote once the vote is durable", walOf(raft.HardState{Term: 5, Vote: 1}), voteResp(2, 1, 5), true},
		{"a granted vote once a later term is durable", walOf(raft.HardState{Term: 6}), voteResp(2, 1, 5), true},
		{"a rejected vote of the durable term with no durable vote", walOf(raft.HardState{Term: 5}), rejected(voteResp(2, 1, 5)), true},
		// Vote requests.
		{"a vote request before the self-vote is durable", walOf(raft.HardState{Term: 5}),
			raft.Message{Type: raft.MsgVote, From: 2, To: 1, Term: 5}, false},
		{"a vote request while another node is the durable vote", walOf(raft.HardState{Term: 5, Vote: 3}),
			raft.Message{Type: raft.MsgVote, From: 2, To: 1, Term: 5}, false},
		{"a vote request before its term is durable", walOf(raft.HardState{Term: 4, Vote: 2}),
			raft.Message{Type: raft.MsgVote, From: 2, To: 1, Term: 5}, false},
		{"a vote request once the self-vote is durable", walOf(raft.HardState{Term: 5, Vote: 2}),
			raft.Message{Type: raft.MsgVote, From: 2, To: 1, Term: 5}, true},
		// The term of any message.
		{"a heartbeat of a term not yet durable", walOf(raft.HardState{Term: 4}),
			raft.Message{Type: raft.MsgHeartbeat, From: 2, To: 1, Term: 5}, false},
		{"an append of a term not yet durable", walOf(raft.HardState{Term: 4}, 4),
			raft.Message{Type: raft.MsgApp, From: 2, To: 1, Term: 5, Index: 1, LogTerm: 4}, false},
		{"a heartbeat response of a term not yet durable", walOf(raft.HardState{Term: 4}),
			raft.Message{Type: raft.MsgHeartbeatResp, From: 2, To: 1, Term: 5}, false},
		{"a heartbeat of the durable term", walOf(raft.HardState{Term: 5}),
			raft.Message{Type: raft.MsgHeartbeat, From: 2, To: 1, Term: 5}, true},
		{"a message of an earlier term than the durable one", walOf(raft.HardState{Term: 5}),
			raft.Message{Type: raft.MsgHeartbeatResp, From: 2, To: 1, Term: 4}, true},
		// Pre-votes carry a term no one has adopted.
		{"a pre-vote request for the term after the durable one", walOf(raft.HardState{Term: 4}),
			raft.Message{Type: raft.MsgPreVote, From: 2, To: 1, Term: 5, Index: 0}, true},
		{"a granted pre-vote for a term after the durable one", walOf(raft.HardState{Term: 4}), preVoteResp(2, 1, 6), true},
		{"a rejected pre-vote of a term not yet durable", walOf(raft.HardState{Term: 4}), rejected(preVoteResp(2, 1, 5)), false},
		// Acknowledgements of entries.
		{"an ack of an index beyond the durable log", walOf(raft.HardState{Term: 2}, 1, 2), appResp(2, 1, 2, 3), false},
		{"an ack on an empty durable log", walOf(raft.HardState{Term: 2}), appResp(2, 1, 2, 1), false},
		{"an ack of the last durable index", walOf(raft.HardState{Term: 2}, 1, 2), appResp(2, 1, 2, 2), true},
		{"a rejection beyond the durable log", walOf(raft.HardState{Term: 2}, 1, 2), rejected(appResp(2, 1, 2, 3)), true},
		// wire.go: an ack of an earlier term than the durable one is stale,
		// batched with a later term's truncation; no leader that matters
		// counts it.
		{"a stale-term ack of an index not durable", walOf(raft.HardState{Term: 3}, 1, 2), appResp(2, 1, 2, 3), true},
		// A WAL the node would refuse at restart recovers nothing.
		{"any message over a WAL with a gap", append(walOf(raft.HardState{Term: 2}), wal.AppendEntry(nil, raft.Entry{Index: 2, Term: 2})...),
			raft.Message{Type: raft.MsgHeartbeat, From: 2, To: 1, Term: 2}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, w, _ := newCluster(t, 3)
			w.durable[2] = tc.durable
			requireOutcome(t, c.Sent(2, tc.msg), tc.ok, invariant.DurableBeforeSent, "n2")
		})
	}
}

func TestDurableBeforeSentIgnoresACrashedSender(t *testing.T) {
	c, w, _ := newCluster(t, 3)
	delete(w.nodes, 2)
	require.NoError(t, c.Sent(2, voteResp(2, 1, 5)), "a message a crashed incarnation sent is not judged")
}

// n3 grants votes; its durable term and vote always match the grant, so
// only Vote Once can object.
func TestVoteOnce(t *testing.T) {
	type grant struct {
		term, to   uint64
		restartsAt bool // n3 crashes and restarts just before this grant
	}
	tests := []struct {
		name   string
		grants []grant
		ok     bool
	}{
		{"two candidates in one term", []grant{{5, 1, false}, {5, 2, false}}, false},
		{"two candidates in one term across a restart", []grant{{5, 1, false}, {5, 2, true}}, false},
		{"a third candidate after two grants to the first", []grant{{5, 1, false}, {5, 1, false}, {5, 2, false}}, false},
		{"the same candidate twice", []grant{{5, 1, false}, {5, 1, false}}, true},
		{"the same candidate twice across a restart", []grant{{5, 1, false}, {5, 1, true}}, true},
		{"two candidates in two terms", []grant{{5, 1, false}, {6, 2, false}}, true},
		{"a candidate of a new term after a restart", []grant{{5, 1, false}, {6, 2, true}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _, n := newCluster(t, 3)
			voter := n[2]
			var err error
			for i, g := range tc.grants {
				if g.restartsAt {
					voter.st = raft.Status{ID: 3, State: raft.StateFollower}
					require.NoError(t, c.Started(voter))
				}
				voter.st.Term, voter.st.Vote = g.term, g.to
				err = c.Sent(3, voteResp(3, g.to, g.term))
				if i < len(tc.grants)-1 {
					require.NoError(t, err, "grant %d", i+1)
				}
			}
			requireOutcome(t, err, tc.ok, invariant.VoteOnce, "n3")
		})
	}
}

func TestVoteOnceDoesNotCountPreVotes(t *testing.T) {
	c, _, n := newCluster(t, 3)
	n[2].st.Term = 4
	require.NoError(t, c.Sent(3, preVoteResp(3, 1, 5)))
	require.NoError(t, c.Sent(3, preVoteResp(3, 2, 5)), "a pre-vote promises nothing")
	n[2].st.Term, n[2].st.Vote = 5, 2
	require.NoError(t, c.Sent(3, voteResp(3, 2, 5)), "nor does it stand for a vote")
}

func TestVoteOnceIgnoresRejections(t *testing.T) {
	c, _, n := newCluster(t, 3)
	n[2].st.Term, n[2].st.Vote = 5, 1
	require.NoError(t, c.Sent(3, voteResp(3, 1, 5)))
	m := voteResp(3, 2, 5)
	m.Reject = true
	require.NoError(t, c.Sent(3, m), "refusing a second candidate is the rule")
}

func voteReq(from, to, term, index, logTerm uint64) raft.Message {
	return raft.Message{Type: raft.MsgVote, From: from, To: to, Term: term, Index: index, LogTerm: logTerm}
}

func preVoteReq(from, to, term, index, logTerm uint64) raft.Message {
	return raft.Message{Type: raft.MsgPreVote, From: from, To: to, Term: term, Index: index, LogTerm: logTerm}
}

// grantDurably makes voter's durable state back grant g (vote and term
// for a vote; the term before for a pre-vote), so that only Up-to-date
// Vote can object to it.
func grantDurably(voter *fakeNode, g raft.Message) {
	if g.Type == raft.MsgVoteResp {
		voter.st.Term, voter.st.Vote = g.Term, g.To
	} else {
		voter.st.Term, voter.st.Vote = g.Term-1, 0
	}
}

// n3's log ends at index 3, term 2; candidates' requests are delivered to
// it and then it grants.
func TestUpToDateVote(t *testing.T) {
	tests := []struct {
		name      string
		delivered []raft.Message
		grant     raft.Message
		ok        bool
	}{
		{"a vote for a shorter log of the same last term", []raft.Message{voteReq(1, 3, 5, 2, 2)}, voteResp(3, 1, 5), false},
		{"a vote for a longer log of an earlier last term", []raft.Message{voteReq(1, 3, 5, 9, 1)}, voteResp(3, 1, 5), false},
		{"a vote for an empty log", []raft.Message{voteReq(1, 3, 5, 0, 0)}, voteResp(3, 1, 5), false},
		{"a vote for an equal log", []raft.Message{voteReq(1, 3, 5, 3, 2)}, voteResp(3, 1, 5), true},
		{"a vote for a longer log of the same last term", []raft.Message{voteReq(1, 3, 5, 4, 2)}, voteResp(3, 1, 5), true},
		{"a vote for a shorter log of a later last term", []raft.Message{voteReq(1, 3, 5, 1, 3)}, voteResp(3, 1, 5), true},
		{"a pre-vote for a shorter log", []raft.Message{preVoteReq(1, 3, 5, 2, 2)}, preVoteResp(3, 1, 5), false},
		{"a pre-vote for an earlier last term", []raft.Message{preVoteReq(1, 3, 5, 9, 1)}, preVoteResp(3, 1, 5), false},
		{"a pre-vote for an equal log", []raft.Message{preVoteReq(1, 3, 5, 3, 2)}, preVoteResp(3, 1, 5), true},
		{"a grant with no request on record", nil, voteResp(3, 1, 5), true},
		{"a pre-vote grant with no request on record", nil, preVoteResp(3, 1, 5), true},
		{"a vote after a stale request of another term", []raft.Message{voteReq(1, 3, 4, 2, 2)}, voteResp(3, 1, 5), true},
		{"a vote after a stale pre-vote request of the same term", []raft.Message{preVoteReq(1, 3, 5, 2, 2)}, voteResp(3, 1, 5), true},
		{"a vote after a stale request of another candidate", []raft.Message{voteReq(2, 3, 5, 2, 2)}, voteResp(3, 1, 5), true},
		{"a request delivered twice, both copies stale", []raft.Message{voteReq(1, 3, 5, 2, 2), voteReq(1, 3, 5, 2, 2)}, voteResp(3, 1, 5), false},
		{"a rejection of a stale request", []raft.Message{voteReq(1, 3, 5, 2, 2)}, func() raft.Message { m := voteResp(3, 1, 5); m.Reject = true; return m }(), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _, n := newCluster(t, 3)
			voter := n[2]
			voter.setLog(1, 2, 2)
			voter.st.Term = 4
			for _, m := range tc.delivered {
				require.NoError(t, c.Delivered(3, m))
			}
			grantDurably(voter, tc.grant)
			requireOutcome(t, c.Sent(3, tc.grant), tc.ok, invariant.UpToDateVote, "n3")
		})
	}
}

// A request delivered twice is judged by its most favourable copy: the
// voter's log may grow between the copies (a late append from the old
// leader), and its grant may answer the first.
func TestUpToDateVoteJudgesADuplicatedRequestByItsBestCopy(t *testing.T) {
	for _, upToDateFirst := range []bool{true, false} {
		name := "the stale copy first"
		if upToDateFirst {
			name = "the up-to-date copy first"
		}
		t.Run(name, func(t *testing.T) {
			c, _, n := newCluster(t, 3)
			voter := n[2]
			req := voteReq(1, 3, 5, 3, 2)
			short, long := []uint64{1, 2, 2}, []uint64{1, 2, 2, 2}
			if upToDateFirst {
				voter.setLog(short...)
			} else {
				voter.setLog(long...)
			}
			require.NoError(t, c.Delivered(3, req))
			if upToDateFirst {
				voter.setLog(long...)
			} else {
				voter.setLog(short...)
			}
			require.NoError(t, c.Delivered(3, req))
			grantDurably(voter, voteResp(3, 1, 5))
			require.NoError(t, c.Sent(3, voteResp(3, 1, 5)))
		})
	}
}

func TestUpToDateVoteIgnoresADeliveryToACrashedNode(t *testing.T) {
	c, w, n := newCluster(t, 3)
	voter := n[2]
	voter.setLog(1, 2, 2)
	delete(w.nodes, 3)
	require.NoError(t, c.Delivered(3, voteReq(1, 3, 5, 2, 2)), "a crashed node compares nothing")
	w.nodes[3] = voter
	grantDurably(voter, voteResp(3, 1, 5))
	require.NoError(t, c.Sent(3, voteResp(3, 1, 5)), "no request on record for the live incarnation")
}

// n1 leads term 3 with log [1 3 3]; n2, in term 3, acknowledges its log.
func TestTruthfulAck(t *testing.T) {
	tests := []struct {
		name        string
		followerLog []uint64
		ack         raft.Message
		leaderMoves func(leader *fakeNode)
		ok          bool
	}{
		{"an entry of another term than the leader's", []uint64{1, 2, 2}, appResp(2, 1, 3, 3), nil, false},
		{"an earlier entry of another term than the leader's", []uint64{1, 2, 3}, appResp(2, 1, 3, 2), nil, false},
		{"an index the leader does not hold", []uint64{1, 3, 3, 3}, appResp(2, 1, 3, 4), nil, false},
		{"the leader's last entry", []uint64{1, 3, 3}, appResp(2, 1, 3, 3), nil, true},
		{"a prefix of the leader's log", []uint64{1, 3, 3}, appResp(2, 1, 3, 1), nil, true},
		{"another term's entry, once the leader moved to a later term", []uint64{1, 2, 2}, appResp(2, 1, 3, 3),
			func(l *fakeNode) { l.st.Term = 4 }, true},
		{"another term's entry, once the leader stepped down", []uint64{1, 2, 2}, appResp(2, 1, 3, 3),
			func(l *fakeNode) { l.st.State = raft.StateFollower }, true},
		{"another term's entry, sent to a node that is not the term's leader", []uint64{1, 2, 2}, appResp(2, 3, 3, 3), nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _, n := newCluster(t, 3)
			leader, follower := n[0], n[1]
			leader.setLog(1, 3, 3)
			leader.st.State, leader.st.Term = raft.StateLeader, 3
			require.NoError(t, c.Stepped(leader), "the checker learns the leader of term 3")
			if tc.leaderMoves != nil {
				tc.leaderMoves(leader)
			}
			follower.setLog(tc.followerLog...)
			follower.st.Term = 3
			requireOutcome(t, c.Sent(2, tc.ack), tc.ok, invariant.TruthfulAck, "n2")
		})
	}
}

func TestTruthfulAckOfATermWhoseLeaderIsUnknown(t *testing.T) {
	c, _, n := newCluster(t, 3)
	n[1].setLog(1, 2, 2)
	n[1].st.Term = 3
	require.NoError(t, c.Sent(2, appResp(2, 1, 3, 3)), "nothing to compare with")
}

// n1 leads term 2 with log [1 2] and commits (or applies) index 2; each
// voter's disk holds what the case says, n1's its whole log unless the
// case says otherwise.
func TestDurableQuorum(t *testing.T) {
	full, short, none := walOf(raft.HardState{Term: 2}, 1, 2), walOf(raft.HardState{Term: 2}, 1), walOf(raft.HardState{Term: 2})
	tests := []struct {
		name    string
		durable map[uint64][]byte
		ok      bool
	}{
		{"on the leader alone", map[uint64][]byte{2: none, 3: short}, false},
		{"on one follower, the leader's own copy not yet durable", map[uint64][]byte{1: short, 2: full, 3: none}, false},
		{"on a majority of another term's entry at the index", map[uint64][]byte{2: walOf(raft.HardState{Term: 2}, 1, 1), 3: walOf(raft.HardState{Term: 2}, 1, 1)}, false},
		{"on the leader and one follower", map[uint64][]byte{2: full, 3: none}, true},
		{"on two followers, the leader's own copy not yet durable", map[uint64][]byte{1: short, 2: full, 3: full}, true},
		{"on every voter", map[uint64][]byte{2: full, 3: full}, true},
	}
	for _, tc := range tests {
		for _, how := range []string{"commit", "apply"} {
			t.Run(how+" "+tc.name, func(t *testing.T) {
				c, w, n := newCluster(t, 3)
				leader := n[0]
				leader.setLog(1, 2)
				leader.st.State, leader.st.Term = raft.StateLeader, 2
				require.NoError(t, c.Stepped(leader))
				w.voters = []uint64{1, 2, 3}
				for id, b := range tc.durable {
					w.durable[id] = b
				}
				leader.st.Commit = 2
				var err error
				if how == "commit" {
					err = c.Stepped(leader)
				} else {
					err = c.Applied(leader, leader.log)
				}
				requireOutcome(t, err, tc.ok, invariant.DurableQuorum, "n1")
			})
		}
	}
}

func TestDurableQuorumJudgesAFollowersCommit(t *testing.T) {
	c, w, n := newCluster(t, 3)
	w.voters = []uint64{1, 2, 3}
	none := walOf(raft.HardState{Term: 2})
	w.durable[1], w.durable[3] = none, none
	n[1].setLog(1, 2)
	n[1].st.Term, n[1].st.Commit = 2, 2
	requireViolation(t, c.Stepped(n[1]), invariant.DurableQuorum, "n2")
}

func TestDurableQuorumNeedsVoters(t *testing.T) {
	c, w, n := newCluster(t, 3)
	none := walOf(raft.HardState{Term: 2})
	w.durable[2], w.durable[3] = none, none
	n[0].setLog(1, 2)
	n[0].st.State, n[0].st.Term, n[0].st.Commit = raft.StateLeader, 2, 2
	require.NoError(t, c.Stepped(n[0]), "a world that names no voters is not judged")
	require.NoError(t, c.Applied(n[0], n[0].log))
}
