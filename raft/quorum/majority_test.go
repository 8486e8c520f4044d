package quorum

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestQuorumSize(t *testing.T) {
	for n, want := range map[int]int{1: 1, 2: 2, 3: 2, 4: 3, 5: 3, 6: 4, 7: 4} {
		ids := make([]uint64, n)
		for i := range ids {
			ids[i] = uint64(i + 1)
		}
		assert.Equal(t, want, NewMajorityConfig(ids...).Quorum(), "n=%d", n)
	}
}

func TestCommittedIndex(t *testing.T) {
	tests := []struct {
		name   string
		voters []uint64
		acked  MapAckIndexer
		want   uint64
	}{
		{"empty config places no constraint", nil, MapAckIndexer{}, math.MaxUint64},
		{"single voter", []uint64{1}, MapAckIndexer{1: 7}, 7},
		{"single voter unknown", []uint64{1}, MapAckIndexer{}, 0},
		{"three, majority at 5", []uint64{1, 2, 3}, MapAckIndexer{1: 9, 2: 5, 3: 1}, 5},
		{"three, two behind", []uint64{1, 2, 3}, MapAckIndexer{1: 9, 2: 1, 3: 1}, 1},
		{"three, one missing", []uint64{1, 2, 3}, MapAckIndexer{1: 9, 2: 4}, 4},
		{"four needs three", []uint64{1, 2, 3, 4}, MapAckIndexer{1: 9, 2: 8, 3: 2, 4: 1}, 2},
		{"five", []uint64{1, 2, 3, 4, 5}, MapAckIndexer{1: 10, 2: 10, 3: 6, 4: 3, 5: 0}, 6},
		{"acks from non-voters do not count", []uint64{1, 2, 3}, MapAckIndexer{1: 9, 7: 9, 8: 9}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, NewMajorityConfig(tt.voters...).CommittedIndex(tt.acked))
		})
	}
}

func TestVoteResult(t *testing.T) {
	tests := []struct {
		name   string
		voters []uint64
		votes  map[uint64]bool
		want   VoteResult
	}{
		{"empty config wins", nil, nil, VoteWon},
		{"single self vote wins", []uint64{1}, map[uint64]bool{1: true}, VoteWon},
		{"single rejection loses", []uint64{1}, map[uint64]bool{1: false}, VoteLost},
		{"three, one grant pending", []uint64{1, 2, 3}, map[uint64]bool{1: true}, VotePending},
		{"three, two grants win", []uint64{1, 2, 3}, map[uint64]bool{1: true, 3: true}, VoteWon},
		{"three, two rejections lose", []uint64{1, 2, 3}, map[uint64]bool{1: true, 2: false, 3: false}, VoteLost},
		{"three, split pending", []uint64{1, 2, 3}, map[uint64]bool{1: true, 2: false}, VotePending},
		{"four, two grants pending", []uint64{1, 2, 3, 4}, map[uint64]bool{1: true, 2: true}, VotePending},
		{"four, two rejections lose", []uint64{1, 2, 3, 4}, map[uint64]bool{1: true, 2: true, 3: false, 4: false}, VoteLost},
		{"non-voter grants ignored", []uint64{1, 2, 3}, map[uint64]bool{1: true, 9: true, 8: true}, VotePending},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, NewMajorityConfig(tt.voters...).VoteResult(tt.votes))
		})
	}
}

func TestIDsSortedAndString(t *testing.T) {
	c := NewMajorityConfig(5, 1, 3)
	assert.Equal(t, []uint64{1, 3, 5}, c.IDs())
	assert.Equal(t, "(1 3 5)", c.String())
	assert.True(t, c.Contains(3))
	assert.False(t, c.Contains(2))
}
