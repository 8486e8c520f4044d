package invariant_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness/invariant"
	"raftcheck/raft"
)

// electionTick is the election timeout of these tests, in ticks.
const electionTick = 10

// leaseStep is one thing that happens to the voter (n3, in term 4) before
// it answers a candidate.
type leaseStep func(t *testing.T, c *invariant.Checker, voter *fakeNode)

// ticks ticks the voter's clock k times in its current role.
func ticks(k int) leaseStep {
	return func(t *testing.T, c *invariant.Checker, voter *fakeNode) {
		for range k {
			require.NoError(t, c.Ticking(voter))
		}
	}
}

// fromLeader delivers to the voter a message of type mt from n2, the
// leader of term.
func fromLeader(mt raft.MessageType, term uint64) leaseStep {
	return func(t *testing.T, c *invariant.Checker, voter *fakeNode) {
		require.NoError(t, c.Delivered(voter.id, raft.Message{Type: mt, From: 2, To: voter.id, Term: term}))
	}
}

// leads makes the voter lead (or, with false, follow) its term.
func leads(on bool) leaseStep {
	return func(t *testing.T, c *invariant.Checker, voter *fakeNode) {
		voter.st.State = raft.StateFollower
		if on {
			voter.st.State = raft.StateLeader
		}
	}
}

// restarts crashes the voter and starts a new incarnation of it.
func restarts(t *testing.T, c *invariant.Checker, voter *fakeNode) {
	voter.st = raft.Status{ID: voter.id, State: raft.StateFollower, Term: voter.st.Term, Vote: voter.st.Vote}
	require.NoError(t, c.Started(voter))
}

// delivers delivers m to the voter.
func delivers(m raft.Message) leaseStep {
	return func(t *testing.T, c *invariant.Checker, voter *fakeNode) {
		require.NoError(t, c.Delivered(voter.id, m))
	}
}

// votedFor makes the voter's state a vote for candidate in term.
func votedFor(term, candidate uint64) leaseStep {
	return func(_ *testing.T, _ *invariant.Checker, voter *fakeNode) {
		voter.st.Term, voter.st.Vote = term, candidate
	}
}

// outOfLease takes the voter past its promise, from booting in lease.
var outOfLease = ticks(electionTick)

// n3, a follower in term 4 with an empty log (every request is
// up-to-date), sees the steps happen and then grants; its durable term and
// vote always back the grant (or refusal), so only Leader Stickiness can
// object.
func TestLeaderStickiness(t *testing.T) {
	off := invariant.Stickiness{}
	preVote := invariant.Stickiness{ElectionTick: electionTick}
	checkQuorum := invariant.Stickiness{ElectionTick: electionTick, CheckQuorum: true}
	preReq, voteRq := preVoteReq(1, 3, 5, 0, 0), voteReq(1, 3, 5, 0, 0)
	preGrant, voteGrant := preVoteResp(3, 1, 5), voteResp(3, 1, 5)
	rejected := func(m raft.Message) raft.Message { m.Reject = true; return m }
	tests := []struct {
		name   string
		sticky *invariant.Stickiness // nil: SetStickiness is never called
		steps  []leaseStep
		grant  raft.Message
		ok     bool
	}{
		// Pre-votes and the count of ticks since the last heartbeat.
		{"a pre-vote right after a heartbeat", &preVote,
			[]leaseStep{outOfLease, fromLeader(raft.MsgHeartbeat, 4), delivers(preReq)}, preGrant, false},
		{"a pre-vote right after an append", &preVote,
			[]leaseStep{outOfLease, fromLeader(raft.MsgApp, 4), delivers(preReq)}, preGrant, false},
		{"a pre-vote right after a heartbeat of a later term", &preVote,
			[]leaseStep{outOfLease, fromLeader(raft.MsgHeartbeat, 6), delivers(preReq)}, preGrant, false},
		{"a pre-vote ElectionTick-1 ticks after a heartbeat", &preVote,
			[]leaseStep{outOfLease, fromLeader(raft.MsgHeartbeat, 4), ticks(electionTick - 1), delivers(preReq)}, preGrant, false},
		{"a pre-vote ElectionTick ticks after a heartbeat", &preVote,
			[]leaseStep{outOfLease, fromLeader(raft.MsgHeartbeat, 4), ticks(electionTick), delivers(preReq)}, preGrant, true},
		{"a pre-vote long after a heartbeat", &preVote,
			[]leaseStep{fromLeader(raft.MsgHeartbeat, 4), ticks(5 * electionTick), delivers(preReq)}, preGrant, true},
		{"a pre-vote right after a heartbeat of an earlier term", &preVote,
			[]leaseStep{outOfLease, fromLeader(raft.MsgHeartbeat, 3), delivers(preReq)}, preGrant, true},
		{"a pre-vote right after another leader's vote request", &preVote,
			[]leaseStep{outOfLease, delivers(voteReq(2, 3, 4, 0, 0)), delivers(preReq)}, preGrant, true},
		{"a pre-vote right after a heartbeat response", &preVote,
			[]leaseStep{outOfLease, fromLeader(raft.MsgHeartbeatResp, 4), delivers(preReq)}, preGrant, true},
		// Booting and leading keep a node in its promise.
		{"a pre-vote right after booting", &preVote, []leaseStep{delivers(preReq)}, preGrant, false},
		{"a pre-vote ElectionTick-1 ticks after booting", &preVote, []leaseStep{ticks(electionTick - 1), delivers(preReq)}, preGrant, false},
		{"a pre-vote ElectionTick ticks after booting", &preVote, []leaseStep{ticks(electionTick), delivers(preReq)}, preGrant, true},
		{"a pre-vote right after a restart", &preVote, []leaseStep{outOfLease, restarts, delivers(preReq)}, preGrant, false},
		{"a pre-vote ElectionTick ticks after a restart", &preVote,
			[]leaseStep{outOfLease, restarts, ticks(electionTick), delivers(preReq)}, preGrant, true},
		{"a pre-vote right after leading, however long", &preVote,
			[]leaseStep{outOfLease, leads(true), ticks(5 * electionTick), leads(false), delivers(preReq)}, preGrant, false},
		{"a pre-vote ElectionTick-1 ticks after leading", &preVote,
			[]leaseStep{leads(true), ticks(1), leads(false), ticks(electionTick - 1), delivers(preReq)}, preGrant, false},
		{"a pre-vote ElectionTick ticks after leading", &preVote,
			[]leaseStep{leads(true), ticks(1), leads(false), ticks(electionTick), delivers(preReq)}, preGrant, true},
		// Pre-votes are sticky with or without CheckQuorum, and only
		// grants are judged.
		{"a pre-vote in lease with CheckQuorum", &checkQuorum, []leaseStep{delivers(preReq)}, preGrant, false},
		{"a rejected pre-vote in lease", &preVote, []leaseStep{delivers(preReq)}, rejected(preVoteResp(3, 1, 4)), true},
		{"a pre-vote in lease with no request on record", &preVote, nil, preGrant, true},
		{"a pre-vote in lease for another term's request", &preVote, []leaseStep{delivers(preVoteReq(1, 3, 6, 0, 0))}, preGrant, true},
		// Real votes are sticky only with CheckQuorum.
		{"a vote in lease with CheckQuorum", &checkQuorum, []leaseStep{delivers(voteRq)}, voteGrant, false},
		{"a vote in lease without CheckQuorum", &preVote, []leaseStep{delivers(voteRq)}, voteGrant, true},
		{"a vote out of lease with CheckQuorum", &checkQuorum, []leaseStep{outOfLease, delivers(voteRq)}, voteGrant, true},
		{"a vote ElectionTick-1 ticks after a heartbeat with CheckQuorum", &checkQuorum,
			[]leaseStep{outOfLease, fromLeader(raft.MsgHeartbeat, 4), ticks(electionTick - 1), delivers(voteRq)}, voteGrant, false},
		{"a rejected vote in lease with CheckQuorum", &checkQuorum, []leaseStep{delivers(voteRq)}, rejected(voteGrant), true},
		{"a vote in lease to the candidate already voted for", &checkQuorum,
			[]leaseStep{votedFor(5, 1), delivers(voteRq)}, voteGrant, true},
		{"a vote in lease after voting for the candidate in an earlier term", &checkQuorum,
			[]leaseStep{votedFor(4, 1), delivers(voteRq)}, voteGrant, false},
		// A request delivered twice is judged by its most favourable
		// copy.
		{"a request delivered twice, once out of lease", &preVote,
			[]leaseStep{delivers(preReq), outOfLease, delivers(preReq)}, preGrant, true},
		{"a request delivered twice, first out of lease", &preVote,
			[]leaseStep{outOfLease, delivers(preReq), fromLeader(raft.MsgHeartbeat, 4), delivers(preReq)}, preGrant, true},
		{"a vote request delivered twice, once out of lease, with CheckQuorum", &checkQuorum,
			[]leaseStep{delivers(voteRq), outOfLease, delivers(voteRq)}, voteGrant, true},
		{"a request delivered twice, both in lease", &preVote,
			[]leaseStep{delivers(preReq), ticks(electionTick - 1), delivers(preReq)}, preGrant, false},
		// Off.
		{"a pre-vote in lease, stickiness never set", nil, []leaseStep{delivers(preReq)}, preGrant, true},
		{"a vote in lease, stickiness never set", nil, []leaseStep{delivers(voteRq)}, voteGrant, true},
		{"a pre-vote in lease, stickiness set to zero", &off, []leaseStep{fromLeader(raft.MsgHeartbeat, 4), delivers(preReq)}, preGrant, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _, n := newCluster(t, 3)
			if tc.sticky != nil {
				c.SetStickiness(*tc.sticky)
			}
			voter := n[2]
			voter.st.Term = 4
			for _, step := range tc.steps {
				step(t, c, voter)
			}
			if tc.grant.Reject {
				voter.st.Term = tc.grant.Term // a refusal carries the voter's own term
			} else {
				grantDurably(voter, tc.grant)
			}
			requireOutcome(t, c.Sent(3, tc.grant), tc.ok, invariant.LeaderStickiness, "n3")
		})
	}
}

// A voter that is crashed when a request reaches it records nothing of
// it: the live incarnation's grant has no request on record.
func TestLeaderStickinessIgnoresADeliveryToACrashedNode(t *testing.T) {
	c, w, n := newCluster(t, 3)
	c.SetStickiness(invariant.Stickiness{ElectionTick: electionTick})
	voter := n[2]
	voter.st.Term = 4
	delete(w.nodes, 3)
	require.NoError(t, c.Delivered(3, preVoteReq(1, 3, 5, 0, 0)))
	w.nodes[3] = voter
	grantDurably(voter, preVoteResp(3, 1, 5))
	require.NoError(t, c.Sent(3, preVoteResp(3, 1, 5)))
}

// Five voters; n1 leads term 2. Each case does things to the cluster and
// then asks LeaseQuorum(leader, term).
func TestLeaseQuorum(t *testing.T) {
	tick := func(t *testing.T, c *invariant.Checker, f *fakeNode, k int) {
		for range k {
			require.NoError(t, c.Ticking(f))
		}
	}
	// crash takes node f down; Durable is never asked for it, but its
	// disk is kept in case.
	crash := func(w *fakeWorld, f *fakeNode) {
		w.durable[f.id] = walOf(raft.HardState{Term: f.st.Term, Vote: f.st.Vote})
		delete(w.nodes, f.id)
	}
	type setup func(t *testing.T, c *invariant.Checker, w *fakeWorld, n []*fakeNode)
	// unbound takes followers past their promise.
	unbound := func(ids ...int) setup {
		return func(t *testing.T, c *invariant.Checker, _ *fakeWorld, n []*fakeNode) {
			for _, id := range ids {
				tick(t, c, n[id-1], electionTick)
			}
		}
	}
	then := func(ss ...setup) setup {
		return func(t *testing.T, c *invariant.Checker, w *fakeWorld, n []*fakeNode) {
			for _, s := range ss {
				s(t, c, w, n)
			}
		}
	}
	crashed := func(ids ...int) setup {
		return func(_ *testing.T, _ *invariant.Checker, w *fakeWorld, n []*fakeNode) {
			for _, id := range ids {
				crash(w, n[id-1])
			}
		}
	}
	heartbeat := func(term uint64, ids ...int) setup {
		return func(t *testing.T, c *invariant.Checker, _ *fakeWorld, n []*fakeNode) {
			for _, id := range ids {
				require.NoError(t, c.Delivered(uint64(id), raft.Message{Type: raft.MsgHeartbeat, From: 1, To: uint64(id), Term: term}))
			}
		}
	}
	leaderOf := func(id int, term uint64) setup {
		return func(t *testing.T, c *invariant.Checker, _ *fakeWorld, n []*fakeNode) {
			f := n[id-1]
			f.st.State, f.st.Term = raft.StateLeader, term
			require.NoError(t, c.Stepped(f))
		}
	}
	tests := []struct {
		name     string
		sticky   bool
		setup    setup
		leader   uint64
		term     uint64
		refusing int
		newer    uint64
		safe     bool // a majority refuses and no later leader exists
	}{
		{"every node just booted", true, nil, 1, 2, 5, 0, true},
		{"two followers past their promise", true, unbound(2, 3), 1, 2, 3, 0, true},
		{"three followers past their promise", true, unbound(2, 3, 4), 1, 2, 2, 0, false},
		{"every follower past its promise", true, unbound(2, 3, 4, 5), 1, 2, 1, 0, false},
		{"three followers nine ticks on", true, func(t *testing.T, c *invariant.Checker, _ *fakeWorld, n []*fakeNode) {
			for _, f := range n[1:4] {
				tick(t, c, f, electionTick-1)
			}
		}, 1, 2, 5, 0, true},
		{"the leader ticking counts itself anyway", true, func(t *testing.T, c *invariant.Checker, _ *fakeWorld, n []*fakeNode) {
			tick(t, c, n[0], electionTick)
			tick(t, c, n[1], electionTick)
			tick(t, c, n[2], electionTick)
			tick(t, c, n[3], electionTick)
		}, 1, 2, 2, 0, false},
		{"three unbound, one of them crashed", true, then(unbound(2, 3, 4), crashed(4)), 1, 2, 3, 0, true},
		{"every follower crashed", true, then(unbound(2, 3, 4, 5), crashed(2, 3, 4, 5)), 1, 2, 5, 0, true},
		{"three unbound, one of them heard a heartbeat since", true, then(unbound(2, 3, 4), heartbeat(2, 4)), 1, 2, 3, 0, true},
		{"three unbound, one heard a heartbeat of an earlier term since", true, then(unbound(2, 3, 4), heartbeat(1, 4)), 1, 2, 2, 0, false},
		{"three unbound, one of them restarted", true, then(unbound(2, 3, 4), func(t *testing.T, c *invariant.Checker, _ *fakeWorld, n []*fakeNode) {
			n[3].st = raft.Status{ID: 4, State: raft.StateFollower}
			require.NoError(t, c.Started(n[3]))
		}), 1, 2, 3, 0, true},
		// A later leader makes any lease of an earlier term unsound,
		// whatever the count; an earlier one does not.
		{"a leader of a later term seen", true, leaderOf(2, 3), 1, 2, 5, 3, false},
		{"leaders of two later terms seen", true, then(leaderOf(2, 3), leaderOf(3, 4)), 1, 2, 5, 4, false},
		{"leaders of two later terms seen, the latest first", true, then(leaderOf(3, 4), leaderOf(2, 3)), 1, 2, 5, 4, false},
		{"the later leader's own lease", true, leaderOf(2, 3), 2, 3, 5, 0, true},
		{"a lease of a term between two later leaders' terms", true, then(leaderOf(3, 4), leaderOf(2, 3)), 2, 3, 5, 4, false},
		{"a leader of an earlier term seen", true, leaderOf(2, 1), 1, 2, 5, 0, true},
		{"the leader itself seen leading its term", true, leaderOf(1, 2), 1, 2, 5, 0, true},
		// With stickiness off no one is bound but the leader and the
		// crashed.
		{"stickiness off", false, nil, 1, 2, 1, 0, false},
		{"stickiness off, two followers crashed", false, crashed(2, 3), 1, 2, 3, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, w, n := newCluster(t, 5)
			w.voters = []uint64{1, 2, 3, 4, 5}
			if tc.sticky {
				c.SetStickiness(invariant.Stickiness{ElectionTick: electionTick, CheckQuorum: true})
			}
			for _, f := range n {
				f.st.Term = 2
			}
			if tc.setup != nil {
				tc.setup(t, c, w, n)
			}
			refusing, voters, newer := c.LeaseQuorum(tc.leader, tc.term)
			assert.Equal(t, 5, voters)
			assert.Equal(t, tc.refusing, refusing, "voters bound")
			assert.Equal(t, tc.newer, newer, "a later leader's term")
			assert.Equal(t, tc.safe, refusing > voters/2 && newer == 0, "a sound lease")
		})
	}
}

func TestLeaseQuorumNeedsVoters(t *testing.T) {
	c, _, _ := newCluster(t, 3)
	c.SetStickiness(invariant.Stickiness{ElectionTick: electionTick})
	refusing, voters, newer := c.LeaseQuorum(1, 1)
	assert.Zero(t, voters, "a world that names no voters")
	assert.Zero(t, refusing)
	assert.Zero(t, newer)
}
