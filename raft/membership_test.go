package raft

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func voters(ids ...uint64) ConfState { return ConfState{Voters: ids} }

func TestConfStateApply(t *testing.T) {
	add := func(id uint64) ConfChangeSingle { return ConfChangeSingle{Type: AddVoter, NodeID: id} }
	learner := func(id uint64) ConfChangeSingle { return ConfChangeSingle{Type: AddLearner, NodeID: id} }
	rm := func(id uint64) ConfChangeSingle { return ConfChangeSingle{Type: RemoveNode, NodeID: id} }
	joint := ConfState{Voters: []uint64{1, 2, 4}, VotersOutgoing: []uint64{1, 2, 3}, AutoLeave: true}
	tests := []struct {
		name string
		from ConfState
		cc   ConfChange
		want ConfState
		err  string
	}{
		{"add one voter directly", voters(1, 2, 3), ConfChange{Changes: []ConfChangeSingle{add(4)}}, voters(1, 2, 3, 4), ""},
		{"remove one voter directly", voters(1, 2, 3), ConfChange{Changes: []ConfChangeSingle{rm(2)}}, voters(1, 3), ""},
		{"replace one voter: joint, left automatically", voters(1, 2, 3), ConfChange{Changes: []ConfChangeSingle{add(4), rm(3)}}, joint, ""},
		{"joint on request", voters(1, 2, 3), ConfChange{Transition: TransitionJointExplicit, Changes: []ConfChangeSingle{add(4)}},
			ConfState{Voters: []uint64{1, 2, 3, 4}, VotersOutgoing: []uint64{1, 2, 3}}, ""},
		{"leave joint", joint, ConfChange{}, voters(1, 2, 4), ""},
		{"a learner is no voter change", voters(1, 2, 3), ConfChange{Changes: []ConfChangeSingle{learner(4), rm(3)}}, ConfState{Voters: []uint64{1, 2}, Learners: []uint64{4}}, ""},
		{"promote a learner", ConfState{Voters: []uint64{1, 2, 3}, Learners: []uint64{4}}, ConfChange{Changes: []ConfChangeSingle{add(4)}}, voters(1, 2, 3, 4), ""},
		{"remove a learner", ConfState{Voters: []uint64{1}, Learners: []uint64{4}}, ConfChange{Changes: []ConfChangeSingle{rm(4)}}, voters(1), ""},
		{"nothing to leave", voters(1, 2, 3), ConfChange{}, ConfState{}, "not in a joint configuration"},
		{"a change while joint", joint, ConfChange{Changes: []ConfChangeSingle{add(5)}}, ConfState{}, "must be left first"},
		{"no voters left", voters(1), ConfChange{Changes: []ConfChangeSingle{rm(1)}}, ConfState{}, "no voters"},
		{"twice", voters(1, 2, 3), ConfChange{Changes: []ConfChangeSingle{add(4), rm(4)}}, ConfState{}, "twice"},
		{"node zero", voters(1), ConfChange{Changes: []ConfChangeSingle{add(0)}}, ConfState{}, "node 0"},
		{"a voter again", voters(1, 2), ConfChange{Changes: []ConfChangeSingle{add(2)}}, ConfState{}, "a voter already"},
		{"demote in place", voters(1, 2), ConfChange{Changes: []ConfChangeSingle{learner(2)}}, ConfState{}, "remove it before"},
		{"remove a stranger", voters(1, 2), ConfChange{Changes: []ConfChangeSingle{rm(9)}}, ConfState{}, "not a member"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.from.Apply(tt.cc)
			if tt.err != "" {
				require.ErrorIs(t, err, ErrBadConfChange)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.True(t, tt.want.Equal(got), "got %s, want %s", got, tt.want)
		})
	}
}

func TestConfChangeEncoding(t *testing.T) {
	cc := ConfChange{Transition: TransitionJointExplicit, Changes: []ConfChangeSingle{{AddVoter, 4}, {RemoveNode, 300}, {AddLearner, 7}}}
	got, err := DecodeConfChange(cc.Encode())
	require.NoError(t, err)
	assert.Equal(t, cc, got)
	leave, err := DecodeConfChange(ConfChange{}.Encode())
	require.NoError(t, err)
	assert.True(t, leave.LeavesJoint())
	b := cc.Encode()
	for n := range len(b) {
		_, err := DecodeConfChange(b[:n])
		require.ErrorIs(t, err, ErrBadConfChange, "prefix of %d bytes", n)
	}
	_, err = DecodeConfChange(append(b, 0))
	require.ErrorIs(t, err, ErrBadConfChange)
}

func FuzzDecodeConfChange(f *testing.F) {
	f.Add(ConfChange{Changes: []ConfChangeSingle{{AddVoter, 4}}}.Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		cc, err := DecodeConfChange(b)
		if err == nil {
			again, err := DecodeConfChange(cc.Encode())
			require.NoError(t, err)
			require.Equal(t, cc, again)
		}
	})
}

// changeConf proposes cc on the leader and runs the cluster until it (and
// an automatic leave) has committed everywhere reachable.
func changeConf(t *testing.T, n *network, leader uint64, cc ConfChange) {
	t.Helper()
	_, _, err := n.nodes[leader].rn.ProposeConfChange(cc)
	require.NoError(t, err)
	n.stabilize()
	n.tickAndStabilize(3)
}

func confOf(n *network, id uint64) string { return n.nodes[id].rn.ConfState().String() }

// A node outside the initial configuration is added as a voter with a
// single-server change: it catches up, and from then on a commit needs it
// or two of the others (3 of 4).
func TestAddAVoter(t *testing.T) {
	n := newNetwork(t, 4, testOptions{voters: []uint64{1, 2, 3}})
	n.elect(1)
	n.propose(1, "before")
	n.stabilize()
	require.Zero(t, n.status(4).Commit, "node 4 is not a member: nobody sends it anything")

	changeConf(t, n, 1, ConfChange{Changes: []ConfChangeSingle{{AddVoter, 4}}})
	for id := uint64(1); id <= 4; id++ {
		assert.Equal(t, "voters=(1 2 3 4)", confOf(n, id), "node %d", id)
	}
	require.Equal(t, n.status(1).Commit, n.status(4).Commit, "node 4 caught up")

	n.isolate(3)
	n.isolate(4)
	idx := n.propose(1, "needs three of four")
	n.tickAndStabilize(3)
	require.Less(t, n.status(1).Commit, idx, "two of four are no majority")
	n.heal()
	n.tickAndStabilize(3)
	require.GreaterOrEqual(t, n.status(1).Commit, idx)
	n.requireNoStepErrors()
}

// A change of more than one voter goes through a joint configuration,
// which the leader leaves on its own once it commits (thesis §4.3).
func TestJointConsensusEnterAndLeave(t *testing.T) {
	n := newNetwork(t, 5, testOptions{voters: []uint64{1, 2, 3}})
	n.elect(1)
	n.stabilize()
	_, _, err := n.nodes[1].rn.ProposeConfChange(ConfChange{Changes: []ConfChangeSingle{{AddVoter, 4}, {AddVoter, 5}, {RemoveNode, 3}}})
	require.NoError(t, err)
	assert.Equal(t, "voters=(1 2 4 5)&&(1 2 3) autoleave", confOf(n, 1), "in force on the leader at once")
	n.stabilize()
	n.tickAndStabilize(3)
	for _, id := range []uint64{1, 2, 4, 5} {
		assert.Equal(t, "voters=(1 2 4 5)", confOf(n, id), "node %d left the joint configuration", id)
	}
	n.isolate(3) // no longer needed
	idx := n.propose(1, "after")
	n.tickAndStabilize(3)
	require.GreaterOrEqual(t, n.status(1).Commit, idx)
	n.requireNoStepErrors()
}

// While joint, a decision needs a majority of the old voters and of the
// new: the old majority alone commits nothing.
func TestJointNeedsBothMajorities(t *testing.T) {
	n := newNetwork(t, 6, testOptions{voters: []uint64{1, 2, 3}})
	n.elect(1)
	n.stabilize()
	changeConf(t, n, 1, ConfChange{Transition: TransitionJointExplicit, Changes: []ConfChangeSingle{{AddVoter, 4}, {AddVoter, 5}, {AddVoter, 6}, {RemoveNode, 2}, {RemoveNode, 3}}})
	require.Equal(t, "voters=(1 4 5 6)&&(1 2 3)", confOf(n, 1), "explicit: stays joint")
	n.isolate(4)
	n.isolate(5)
	idx := n.propose(1, "old majority only")
	n.tickAndStabilize(3)
	require.Less(t, n.status(1).Commit, idx, "1, 2, 3 and 6 are a majority of (1 2 3) but not of (1 4 5 6)")
	n.heal()
	n.tickAndStabilize(3)
	require.GreaterOrEqual(t, n.status(1).Commit, idx)
	changeConf(t, n, 1, ConfChange{})
	require.Equal(t, "voters=(1 4 5 6)", confOf(n, 1))
	n.requireNoStepErrors()
}

// A learner gets the log but never votes or counts.
func TestLearnerGetsTheLogButNeverCounts(t *testing.T) {
	n := newNetwork(t, 4, testOptions{voters: []uint64{1, 2, 3}})
	n.elect(1)
	n.stabilize()
	changeConf(t, n, 1, ConfChange{Changes: []ConfChangeSingle{{AddLearner, 4}}})
	require.Equal(t, "voters=(1 2 3) learners=(4)", confOf(n, 4))
	idx := n.propose(1, "x")
	n.stabilize()
	require.GreaterOrEqual(t, n.status(4).Commit, idx, "the learner has the log")

	n.isolate(2)
	n.isolate(3)
	idx = n.propose(1, "leader and learner only")
	n.tickAndStabilize(3)
	require.Less(t, n.status(1).Commit, idx, "a learner is not counted")
	for range 50 {
		n.tick(4)
	}
	n.stabilize()
	require.Equal(t, StateFollower, n.status(4).State, "a learner never campaigns")

	n.heal()
	n.tickAndStabilize(3)
	changeConf(t, n, 1, ConfChange{Changes: []ConfChangeSingle{{AddVoter, 4}}})
	require.Equal(t, "voters=(1 2 3 4)", confOf(n, 4), "promoted")
	n.requireNoStepErrors()
}

// A leader that removes itself manages the cluster until the removal
// commits, then steps down and never campaigns again (thesis §4.2.2).
func TestRemovedLeaderStepsDown(t *testing.T) {
	n := newNetwork(t, 3, testOptions{})
	n.elect(1)
	n.stabilize()
	changeConf(t, n, 1, ConfChange{Changes: []ConfChangeSingle{{RemoveNode, 1}}})
	require.NotEqual(t, StateLeader, n.status(1).State, "stepped down once the removal committed")
	for range 100 {
		n.tickAndStabilize(1)
	}
	lead := n.leader()
	require.Contains(t, []uint64{2, 3}, lead, "the others elect one of theirs")
	require.NotEqual(t, StateCandidate, n.status(1).State)
	require.NotEqual(t, StatePreCandidate, n.status(1).State)
	idx := n.propose(lead, "after")
	n.stabilize()
	require.GreaterOrEqual(t, n.status(lead).Commit, idx, "two voters commit")
	n.requireNoStepErrors()
}

// The 2015 bug: a leader that has not committed an entry of its term may
// hold a configuration no majority of the last committed one agrees with,
// so it proposes no change until its no-op commits; and one change at a
// time.
func TestConfChangeWaitsForTheLeadersTermAndForThePreviousChange(t *testing.T) {
	n := newNetwork(t, 5, testOptions{voters: []uint64{1, 2, 3}})
	n.raft(1).hup()
	// Deliver the votes but not the no-op's acknowledgements.
	for range 20 {
		n.handleReadies()
		n.deliverQueued()
		if n.status(1).State == StateLeader {
			break
		}
	}
	require.Equal(t, StateLeader, n.status(1).State)
	_, _, err := n.nodes[1].rn.ProposeConfChange(ConfChange{Changes: []ConfChangeSingle{{AddVoter, 4}}})
	require.ErrorIs(t, err, ErrConfChangeTooEarly)
	n.stabilize()
	_, _, err = n.nodes[1].rn.ProposeConfChange(ConfChange{Changes: []ConfChangeSingle{{AddVoter, 4}}})
	require.NoError(t, err)
	_, _, err = n.nodes[1].rn.ProposeConfChange(ConfChange{Changes: []ConfChangeSingle{{AddVoter, 5}}})
	require.ErrorIs(t, err, ErrConfChangePending)
	n.stabilize()
	_, _, err = n.nodes[1].rn.ProposeConfChange(ConfChange{Changes: []ConfChangeSingle{{AddVoter, 5}}})
	require.NoError(t, err, "the previous change committed")
	_, _, err = n.nodes[2].rn.ProposeConfChange(ConfChange{Changes: []ConfChangeSingle{{AddVoter, 5}}})
	var nl *NotLeaderError
	require.ErrorAs(t, err, &nl)
}

// A configuration is in force as soon as its entry is in the log; if a new
// leader overwrites that (uncommitted) entry, the node goes back to the
// configuration before it.
func TestConfigInForceOnAppendRevertsOnTruncation(t *testing.T) {
	n := newNetwork(t, 4, testOptions{voters: []uint64{1, 2, 3}})
	n.elect(1)
	n.stabilize()
	// The leader is cut off as it appends the change: only its log has it.
	n.isolate(1)
	_, _, err := n.nodes[1].rn.ProposeConfChange(ConfChange{Changes: []ConfChangeSingle{{AddVoter, 4}}})
	require.NoError(t, err)
	n.stabilize()
	require.Equal(t, "voters=(1 2 3 4)", confOf(n, 1), "in force on append, before it commits")
	require.Equal(t, "voters=(1 2 3)", confOf(n, 2))

	// The others elect 2, whose no-op lands where the change was.
	n.elect(2)
	n.propose(2, "y")
	n.stabilize()
	n.heal()
	n.tickAndStabilize(3)
	require.Equal(t, n.status(2).Commit, n.status(1).Commit, "node 1 follows the new leader")
	require.Equal(t, "voters=(1 2 3)", confOf(n, 1), "the overwritten change is no longer in force")
	n.requireNoStepErrors()
}

// A node removed and added again within one term starts afresh: answers to
// appends sent to its earlier membership, arriving late, move nothing.
func TestRejoinIgnoresAnswersToTheEarlierMembership(t *testing.T) {
	n := newNetwork(t, 3, testOptions{})
	n.elect(1)
	n.stabilize()
	idx := n.propose(1, "x")
	// Hold node 3's acknowledgement of x back.
	var held []Message
	n.drop = func(m Message) bool {
		if m.From == 3 && m.Type == MsgAppResp {
			held = append(held, m)
			return true
		}
		return false
	}
	n.stabilize()
	require.NotEmpty(t, held)
	n.drop = nil
	changeConf(t, n, 1, ConfChange{Changes: []ConfChangeSingle{{RemoveNode, 3}}})
	changeConf(t, n, 1, ConfChange{Changes: []ConfChangeSingle{{AddVoter, 3}}})
	pr := n.raft(1).trk.Progress[3]
	before := *pr
	for _, m := range held {
		require.NoError(t, n.nodes[1].rn.Step(m))
	}
	require.Equal(t, before.Match, pr.Match, "a late answer to the earlier membership moved nothing")
	require.NotZero(t, pr.Epoch)
	_ = idx
	n.requireNoStepErrors()
}

// A removed node that never learnt of its removal keeps campaigning: the
// others ignore it, term and all.
func TestRemovedNodeCannotDisrupt(t *testing.T) {
	n := newNetwork(t, 3, testOptions{})
	n.elect(1)
	n.stabilize()
	n.isolate(3)
	changeConf(t, n, 1, ConfChange{Changes: []ConfChangeSingle{{RemoveNode, 3}}})
	term := n.status(1).Term
	n.heal()
	for range 10 {
		n.raft(3).hup() // campaigns, in ever higher terms
		n.stabilize()
	}
	require.Equal(t, term, n.status(1).Term, "the leader's term did not move")
	require.Equal(t, StateLeader, n.status(1).State)
	n.requireNoStepErrors()
}

// The configuration lives in snapshots: a node added after the change was
// compacted away catches up from a snapshot and knows the configuration;
// a restart from a snapshot keeps it.
func TestConfigurationSurvivesCompactionAndRestart(t *testing.T) {
	n := newNetwork(t, 4, testOptions{voters: []uint64{1, 2, 3}, snapshotEvery: 3})
	n.elect(1)
	n.stabilize()
	changeConf(t, n, 1, ConfChange{Changes: []ConfChangeSingle{{AddLearner, 4}}})
	n.isolate(4)
	for i := range 10 {
		n.propose(1, fmt.Sprintf("cmd-%d", i))
		n.stabilize()
	}
	changeConf(t, n, 1, ConfChange{Changes: []ConfChangeSingle{{AddVoter, 4}}}) // 3 of 4 with 4 cut off: commits with 1, 2, 3
	for i := range 10 {
		n.propose(1, fmt.Sprintf("more-%d", i))
		n.stabilize()
	}
	require.Empty(t, n.raft(1).confs, "the changes are in the snapshot, not the log")
	n.heal()
	n.tickAndStabilize(5)
	require.Equal(t, "voters=(1 2 3 4)", confOf(n, 4), "from the snapshot")
	require.NotZero(t, n.status(4).Snapshot)
	n.crash(2)
	n.restart(2)
	require.Equal(t, "voters=(1 2 3 4)", confOf(n, 2), "a restart from the snapshot keeps it")
	n.requireNoStepErrors()
}

// A leader that replaces itself through a joint configuration, and loses
// office once the joint configuration has committed but before the change
// that leaves it has: its log alone holds that change, so the others'
// votes would go to it and to no one else, while the others need its vote
// (a majority of the outgoing half). It may still campaign, as a voter of
// the committed configuration; it wins in the configuration in force,
// commits the change and steps down, and the cluster goes on.
func TestAReplacedLeaderCampaignsUntilItsReplacementCommits(t *testing.T) {
	n := newNetwork(t, 3, testOptions{voters: []uint64{1, 3}, checkQuorum: true})
	n.elect(3)
	n.stabilize()
	leaves := func(m Message) bool {
		for _, e := range m.Entries {
			if cc, err := DecodeConfChange(e.Data); e.Type == EntryConfChange && err == nil && cc.LeavesJoint() {
				return true
			}
		}
		return false
	}
	cut := false
	n.drop = func(m Message) bool {
		if m.From == 3 && leaves(m) {
			cut = true // from here on 3 is cut off
		}
		return cut && (m.From == 3 || m.To == 3)
	}
	_, _, err := n.nodes[3].rn.ProposeConfChange(ConfChange{Changes: []ConfChangeSingle{{AddVoter, 2}, {RemoveNode, 3}}})
	require.NoError(t, err)
	n.stabilize()
	require.True(t, cut, "the leader appended the change that leaves the joint configuration")
	assert.Equal(t, "voters=(1 2)", confOf(n, 3))
	assert.Equal(t, "voters=(1 2)&&(1 3) autoleave", confOf(n, 1))
	n.tickAndStabilize(30) // 3 steps down (CheckQuorum); 1 and 2 cannot win without 3
	require.NotEqual(t, StateLeader, n.status(3).State)
	n.drop = nil
	// 1 and 2 keep campaigning, in vain, and each of their terms
	// restarts 3's timer; it fires first now and then.
	n.tickAndStabilize(300)
	l := n.leader()
	require.NotEqual(t, None, l, "a leader after the heal: %s", n.describe())
	assert.NotEqual(t, uint64(3), l, "the replaced leader stepped down once its change committed")
	for _, id := range []uint64{1, 2, 3} {
		assert.Equal(t, "voters=(1 2)", confOf(n, id), "node %d", id)
	}
	n.propose(l, "after")
	n.stabilize()
	n.requireNoStepErrors()
}

// The 2015 single-server bug's schedule (Ongaro, raft-dev, "bug in
// single-server membership changes"), shown impossible. Four voters; the
// leader 1, cut off with node 5 alone, adds 5 (C1 = 1..5, on 1 and 5
// only). Node 2 is elected by 2, 3 and 4 in term 2, and 4 then hears
// nothing more of term 2. Were 2 to remove 1 now (C2 = 2 3 4), C2 could
// commit on 2 and 3 alone, and 1, 5 and 4 (a majority of C1, with nothing
// of term 2) could elect 1 and overwrite it. 2 refuses: nothing of its term
// has committed, and nothing can while 4 hears nothing, since that needs a
// majority of the four. Once 4 hears again, 2's term commits and the
// change is accepted, on a log that carries term 2 to a majority.
func TestTheSingleServerBugOf2015IsImpossible(t *testing.T) {
	n := newNetwork(t, 5, testOptions{voters: []uint64{1, 2, 3, 4}})
	n.elect(1)
	n.stabilize()
	for _, id := range []uint64{2, 3, 4} {
		n.cutLink(1, id)
	}
	_, _, err := n.nodes[1].rn.ProposeConfChange(ConfChange{Changes: []ConfChangeSingle{{AddVoter, 5}}})
	require.NoError(t, err)
	n.stabilize()
	require.Equal(t, "voters=(1 2 3 4 5)", confOf(n, 5), "C1 reached 5")
	require.Equal(t, "voters=(1 2 3 4)", confOf(n, 2), "and not 2")

	n.drop = func(m Message) bool { return m.From == 2 && m.To == 4 && m.Type != MsgVote }
	n.campaign(2)
	require.Equal(t, StateLeader, n.status(2).State)
	_, _, err = n.nodes[2].rn.ProposeConfChange(ConfChange{Changes: []ConfChangeSingle{{RemoveNode, 1}}})
	require.ErrorIs(t, err, ErrConfChangeTooEarly, "a leader whose term has not committed proposes no change")
	n.tickAndStabilize(3)
	_, _, err = n.nodes[2].rn.ProposeConfChange(ConfChange{Changes: []ConfChangeSingle{{RemoveNode, 1}}})
	require.ErrorIs(t, err, ErrConfChangeTooEarly, "nor can its term commit without 4")

	n.drop = func(m Message) bool { return m.From == 1 || m.To == 1 } // 4 hears again; 1 stays away
	n.tickAndStabilize(2)
	changeConf(t, n, 2, ConfChange{Changes: []ConfChangeSingle{{RemoveNode, 1}}})
	assert.Equal(t, "voters=(2 3 4)", confOf(n, 4))
	n.requireNoStepErrors()
}

// A node that hears from no leader answers a vote request from a node its
// configuration does not name: its own configuration may be the stale one
// (the candidate's log holds the change that added it), and refusing could
// leave members that know different configurations without a leader for
// ever. One that hears from a leader ignores it (TestRemovedNodeCannotDisrupt).
func TestAStaleConfigurationStillAnswersWithoutALeader(t *testing.T) {
	r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{Term: 1}, entries(1))
	r.persistAll()
	require.False(t, r.inLease())
	require.NoError(t, r.Step(Message{Type: MsgVote, From: 4, To: 1, Term: 2, Index: 5, LogTerm: 1}))
	resp := ofType(r.readMessages(), MsgVoteResp)
	require.Len(t, resp, 1)
	assert.False(t, resp[0].Reject, "granted: 4's log is ahead, and with it the configuration naming 4")

	r2 := newTestRaft(t, 1, ids(3), testOptions{}, HardState{Term: 1}, entries(1))
	r2.persistAll()
	r2.becomeFollower(1, 2)
	r2.leaseElapsed = 0 // hears from leader 2
	require.NoError(t, r2.Step(Message{Type: MsgVote, From: 4, To: 1, Term: 2, Index: 5, LogTerm: 1}))
	assert.Empty(t, r2.readMessages(), "ignored while a leader is heard")
	assert.Equal(t, uint64(1), r2.term)
}
