package quorum_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"raftcheck/raft/quorum"
)

func TestJointCommitNeedsAMajorityOfBothHalves(t *testing.T) {
	tests := []struct {
		name               string
		incoming, outgoing []uint64
		acked              quorum.MapAckIndexer
		want               uint64
	}{
		{"one half is a majority config", []uint64{1, 2, 3}, nil, quorum.MapAckIndexer{1: 9, 2: 7, 3: 2}, 7},
		{"the slower half decides", []uint64{1, 2, 4}, []uint64{1, 2, 3}, quorum.MapAckIndexer{1: 9, 2: 3, 3: 8, 4: 9}, 8},
		{"a new voter that holds nothing holds the joint commit back", []uint64{1, 2, 3, 4}, []uint64{1, 2, 3}, quorum.MapAckIndexer{1: 9, 2: 9, 3: 1}, 1},
		{"disjoint halves", []uint64{4, 5, 6}, []uint64{1, 2, 3}, quorum.MapAckIndexer{1: 5, 2: 5, 3: 5, 4: 3, 5: 2, 6: 1}, 2},
		{"no voters commit nothing", nil, nil, quorum.MapAckIndexer{1: 5}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := quorum.NewJointConfig(tt.incoming, tt.outgoing)
			assert.Equal(t, tt.want, c.CommittedIndex(tt.acked))
		})
	}
}

func TestJointVoteNeedsBothHalves(t *testing.T) {
	c := quorum.NewJointConfig([]uint64{1, 2, 4}, []uint64{1, 2, 3})
	tests := []struct {
		name  string
		votes map[uint64]bool
		want  quorum.VoteResult
	}{
		{"both won", map[uint64]bool{1: true, 2: true}, quorum.VoteWon},
		{"only the incoming half won", map[uint64]bool{1: true, 4: true, 2: false, 3: false}, quorum.VoteLost},
		{"incoming won, outgoing open", map[uint64]bool{1: true, 4: true}, quorum.VotePending},
		{"nothing yet", map[uint64]bool{}, quorum.VotePending},
		{"outgoing lost", map[uint64]bool{2: false, 3: false}, quorum.VoteLost},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, c.VoteResult(tt.votes))
		})
	}
	assert.Equal(t, "(1 2 4)&&(1 2 3)", c.String())
	assert.Equal(t, []uint64{1, 2, 3, 4}, c.IDs())
	assert.True(t, c.Contains(3))
	assert.Equal(t, "(1 2 3)", quorum.NewJointConfig([]uint64{3, 1, 2}, nil).String())
}
