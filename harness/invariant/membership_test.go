package invariant_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness/invariant"
	"raftcheck/raft"
)

// confEntry is a configuration change at index in term.
func confEntry(index, term uint64, cc raft.ConfChange) raft.Entry {
	return raft.Entry{Index: index, Term: term, Type: raft.EntryConfChange, Data: cc.Encode()}
}

func addVoter(id uint64) raft.ConfChange {
	return raft.ConfChange{Changes: []raft.ConfChangeSingle{{Type: raft.AddVoter, NodeID: id}}}
}

func remove(id uint64) raft.ConfChange {
	return raft.ConfChange{Changes: []raft.ConfChangeSingle{{Type: raft.RemoveNode, NodeID: id}}}
}

func confOf(voters ...uint64) *raft.ConfState { return &raft.ConfState{Voters: voters} }

// A node's configuration is the latest in its log from the moment the
// change is in it, committed or not; one that waits for the commit, or
// comes from anywhere else, is caught at the node's next step.
func TestConfigurationThroughTheLog(t *testing.T) {
	tests := []struct {
		name string
		conf *raft.ConfState // what n1 says is in force
		ok   bool
	}{
		{"the change appended is in force", confOf(1, 2, 3, 4), true},
		{"still the old one until the change commits", confOf(1, 2, 3), false},
		{"one the log never said", confOf(1, 2, 4), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, w, n := newCluster(t, 4)
			w.voters = []uint64{1, 2, 3}
			n[0].setLog(1, 1)
			n[0].log = append(n[0].log, confEntry(3, 1, addVoter(4)))
			n[0].st.LastIndex, n[0].st.Term = 3, 1
			n[0].conf = tc.conf
			requireOutcome(t, c.Stepped(n[0]), tc.ok, invariant.ConfigThroughLog, "n1")
		})
	}
}

// A truncation that takes a change away takes it out of force.
func TestConfigurationRevertsWithTheTruncation(t *testing.T) {
	c, w, n := newCluster(t, 4)
	w.voters = []uint64{1, 2, 3}
	n[1].setLog(1, 1)
	n[1].log = append(n[1].log, confEntry(3, 1, addVoter(4)))
	n[1].st.LastIndex, n[1].st.Term = 3, 1
	n[1].conf = confOf(1, 2, 3, 4)
	require.NoError(t, c.Stepped(n[1]))
	// A leader of term 2 overwrites index 3 with an entry of its own.
	n[1].setLog(1, 1, 2)
	n[1].st.Term = 2
	requireViolation(t, c.Stepped(n[1]), invariant.ConfigThroughLog, "n2")
	n[1].conf = nil // back to the initial configuration
	require.NoError(t, c.Stepped(n[1]))
}

// A candidate becomes leader with the votes of a quorum of its own
// configuration, both halves of a joint one; a learner's vote counts for
// nothing.
func TestVoteQuorum(t *testing.T) {
	addLearners := []raft.ConfChange{
		{Changes: []raft.ConfChangeSingle{{Type: raft.AddLearner, NodeID: 4}}},
		{Changes: []raft.ConfChangeSingle{{Type: raft.AddLearner, NodeID: 5}}},
	}
	replaceTwo := []raft.ConfChange{{Transition: raft.TransitionJointImplicit, Changes: []raft.ConfChangeSingle{
		{Type: raft.AddVoter, NodeID: 4}, {Type: raft.AddVoter, NodeID: 5}, {Type: raft.RemoveNode, NodeID: 2}, {Type: raft.RemoveNode, NodeID: 3}}}}
	tests := []struct {
		name    string
		changes []raft.ConfChange // in n1's log, from the initial (1 2 3)
		votes   []uint64
		ok      bool
	}{
		{"a majority of three", nil, []uint64{2}, true},
		{"itself alone of three", nil, nil, false},
		{"a learner's vote", addLearners, []uint64{4}, false},
		{"two learners' votes", addLearners, []uint64{4, 5}, false},
		{"a voter's vote", addLearners, []uint64{3}, true},
		{"joint: the outgoing half only", replaceTwo, []uint64{2, 3}, false},
		{"joint: the incoming half only", replaceTwo, []uint64{4, 5}, false},
		{"joint: both halves", replaceTwo, []uint64{2, 4}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, w, n := newCluster(t, 5)
			w.voters = []uint64{1, 2, 3}
			cand := n[0]
			conf := raft.ConfState{Voters: []uint64{1, 2, 3}}
			for i, cc := range tc.changes {
				next, err := conf.Apply(cc)
				require.NoError(t, err)
				conf = next
				cand.log = append(cand.log, confEntry(uint64(i+1), 1, cc))
			}
			cand.st.LastIndex, cand.st.Term = uint64(len(cand.log)), 1
			cand.conf = &conf
			require.NoError(t, c.Appending(cand, 0, cand.log))
			require.NoError(t, c.Stepped(cand))
			require.NoError(t, campaign(c, cand, raft.StateCandidate, 2))
			for _, from := range tc.votes {
				require.NoError(t, c.Delivered(1, voteResp(from, 1, 2)))
			}
			cand.st.State = raft.StateLeader
			requireOutcome(t, c.Stepped(cand), tc.ok, invariant.VoteQuorum, "n1")
		})
	}
}

// HasQuorum is a majority (of both halves while joint); Blocks is enough
// nodes that the rest are no majority (of either half).
func TestQuorumAndBlocks(t *testing.T) {
	four := raft.ConfState{Voters: []uint64{1, 2, 3, 4}}
	joint := raft.ConfState{Voters: []uint64{1, 4, 5}, VotersOutgoing: []uint64{1, 2, 3}}
	in := func(ids ...uint64) func(uint64) bool {
		return func(id uint64) bool {
			for _, x := range ids {
				if x == id {
					return true
				}
			}
			return false
		}
	}
	tests := []struct {
		name          string
		conf          raft.ConfState
		nodes         []uint64
		quorum, block bool
	}{
		{"three of four", four, []uint64{1, 2, 3}, true, true},
		{"two of four", four, []uint64{1, 2}, false, true},
		{"one of four", four, []uint64{1}, false, false},
		{"joint, both halves", joint, []uint64{1, 2, 4}, true, true},
		{"joint, the old half", joint, []uint64{1, 2}, false, true},
		{"joint, one of each", joint, []uint64{2, 5}, false, false},
		{"no voters", raft.ConfState{}, []uint64{1}, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.quorum, invariant.HasQuorum(tc.conf, in(tc.nodes...)), "quorum")
			assert.Equal(t, tc.block, invariant.Blocks(tc.conf, in(tc.nodes...)), "blocks")
		})
	}
}

// A leader removed from the configuration steps down once the removal
// commits; one whose joint configuration (auto-leave) committed proposes
// leaving it once it has committed in its term.
func TestLeaderObeysItsCommittedConfiguration(t *testing.T) {
	tests := []struct {
		name   string
		entry  raft.Entry
		conf   *raft.ConfState
		commit uint64
		ok     bool
		want   string
	}{
		{"removal not yet committed", confEntry(3, 2, remove(1)), confOf(2, 3), 2, true, ""},
		{"removal committed", confEntry(3, 2, remove(1)), confOf(2, 3), 3, false, invariant.RemovedLeaderStepsDown},
		{"joint committed", confEntry(3, 2, raft.ConfChange{Transition: raft.TransitionJointImplicit, Changes: []raft.ConfChangeSingle{{Type: raft.AddVoter, NodeID: 4}}}),
			&raft.ConfState{Voters: []uint64{1, 2, 3, 4}, VotersOutgoing: []uint64{1, 2, 3}, AutoLeave: true}, 3, false, invariant.JointLeft},
		{"joint not yet committed", confEntry(3, 2, raft.ConfChange{Transition: raft.TransitionJointImplicit, Changes: []raft.ConfChangeSingle{{Type: raft.AddVoter, NodeID: 4}}}),
			&raft.ConfState{Voters: []uint64{1, 2, 3, 4}, VotersOutgoing: []uint64{1, 2, 3}, AutoLeave: true}, 2, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, w, n := newCluster(t, 4)
			w.voters = []uint64{1, 2, 3}
			l := n[0]
			l.setLog(1, 2)
			l.log = append(l.log, tc.entry)
			l.st.LastIndex, l.st.Term, l.st.State, l.st.Commit = 3, 2, raft.StateLeader, tc.commit
			l.conf = tc.conf
			for id := uint64(1); id <= 4; id++ {
				w.durable[id] = walOf(raft.HardState{Term: 2}, 1, 2, 2)
			}
			requireOutcome(t, c.Stepped(l), tc.ok, tc.want, "n1")
		})
	}
}
