package etcdnode

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/raft"
)

// etcd's rules for a change, against the bundled Raft's where they differ.
func TestApplyConfChangeFollowsEtcd(t *testing.T) {
	three := raft.ConfState{Voters: []uint64{1, 2, 3}}
	add := func(typ raft.ConfChangeType, id uint64, tr raft.ConfChangeTransition) raft.ConfChange {
		return raft.ConfChange{Transition: tr, Changes: []raft.ConfChangeSingle{{Type: typ, NodeID: id}}}
	}
	for _, tc := range []struct {
		name    string
		from    raft.ConfState
		cc      raft.ConfChange
		want    raft.ConfState
		bundled bool // the bundled Raft's rule gives the same
	}{
		{"a voter added", three, add(raft.AddVoter, 4, raft.TransitionAuto), raft.ConfState{Voters: []uint64{1, 2, 3, 4}}, true},
		{"a voter removed", three, add(raft.RemoveNode, 3, raft.TransitionAuto), raft.ConfState{Voters: []uint64{1, 2}}, true},
		{"a learner added", three, add(raft.AddLearner, 4, raft.TransitionAuto), raft.ConfState{Voters: []uint64{1, 2, 3}, Learners: []uint64{4}}, true},
		{"a voter added that is one already: no error, no change", three, add(raft.AddVoter, 3, raft.TransitionAuto), three, false},
		{"joint asked for with no change: joint all the same", three, add(raft.AddVoter, 3, raft.TransitionJointImplicit),
			raft.ConfState{Voters: []uint64{1, 2, 3}, VotersOutgoing: []uint64{1, 2, 3}, AutoLeave: true}, false},
		{"joint, left explicitly", three, add(raft.AddVoter, 4, raft.TransitionJointExplicit),
			raft.ConfState{Voters: []uint64{1, 2, 3, 4}, VotersOutgoing: []uint64{1, 2, 3}}, true},
		{"leaving joint", raft.ConfState{Voters: []uint64{1, 2, 4}, VotersOutgoing: []uint64{1, 2, 3}, AutoLeave: true}, raft.ConfChange{},
			raft.ConfState{Voters: []uint64{1, 2, 4}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ApplyConfChange(tc.from, tc.cc)
			require.NoError(t, err)
			assert.True(t, tc.want.Equal(got), "got %v, want %v", got, tc.want)
			bundled, err := tc.from.Apply(tc.cc)
			assert.Equal(t, tc.bundled, err == nil && tc.want.Equal(bundled), "the bundled rule gives %v, %v", bundled, err)
		})
	}
	// What etcd refuses (it would panic applying it), the model treats as
	// no change.
	_, err := ApplyConfChange(three, add(raft.RemoveNode, 9, raft.TransitionAuto))
	assert.NoError(t, err, "removing a node that is not a member is no error in etcd either")
	_, err = ApplyConfChange(raft.ConfState{Voters: []uint64{1}}, add(raft.RemoveNode, 1, raft.TransitionAuto))
	assert.Error(t, err, "no voters left")
}
