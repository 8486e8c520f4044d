package invariant

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestHeldEntriesKeepEveryTermAnIndexWasHeldIn(t *testing.T) {
	var h heldEntries
	big := uint64(math.MaxUint32) + 7
	h.add(3, 2)
	h.add(3, 5)
	h.add(5, big)
	h.add(6, 1)
	h.add(6, big)
	tests := []struct {
		index, term uint64
		want        bool
	}{
		{3, 2, true}, {3, 5, true}, {3, 4, false},
		{5, big, true}, {5, big - 1, false}, {5, 7, false},
		{6, 1, true}, {6, big, true},
		{4, 2, false}, {9, 1, false}, {0, 0, false},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, h.has(tc.index, tc.term), "(%d, %d)", tc.index, tc.term)
	}
}

func TestHeldEntriesForgetTheOldestAsHeld(t *testing.T) {
	var h heldEntries
	for i := uint64(1); i <= 10; i++ {
		h.add(i, 1)
	}
	h.add(3, 2)
	h.add(9, 2)
	h.forgetOldest(4)
	assert.Equal(t, uint64(6), h.base)
	assert.True(t, h.has(3, 7), "forgotten: taken as held")
	assert.True(t, h.has(9, 1))
	assert.True(t, h.has(9, 2))
	assert.False(t, h.has(9, 3))
	assert.False(t, h.has(11, 1))
	assert.Len(t, h.more, 1, "the map forgets with the slice")
	h.add(2, 5) // forgotten: ignored
	h.add(12, 1)
	assert.True(t, h.has(12, 1))
	assert.False(t, h.has(11, 1), "a gap is held by no term")
}
