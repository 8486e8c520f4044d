package tracker

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInflightsAddUntilFull(t *testing.T) {
	in := NewInflights(3)
	require.True(t, in.Add(5))
	require.True(t, in.Add(7))
	assert.False(t, in.Full())
	require.True(t, in.Add(9))
	assert.True(t, in.Full())
	assert.False(t, in.Add(11), "a full window refuses more")
	assert.Equal(t, 3, in.Count())
}

func TestInflightsRefusesNonIncreasingIndex(t *testing.T) {
	in := NewInflights(4)
	require.True(t, in.Add(5))
	assert.False(t, in.Add(5))
	assert.False(t, in.Add(4))
	assert.Equal(t, 1, in.Count())
}

func TestInflightsFreeLE(t *testing.T) {
	tests := []struct {
		name      string
		added     []uint64
		freeTo    uint64
		wantCount int
	}{
		{"below all", []uint64{5, 7, 9}, 4, 3},
		{"exactly the first", []uint64{5, 7, 9}, 5, 2},
		{"between", []uint64{5, 7, 9}, 8, 1},
		{"all", []uint64{5, 7, 9}, 100, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := NewInflights(4)
			for _, i := range tt.added {
				require.True(t, in.Add(i))
			}
			in.FreeLE(tt.freeTo)
			assert.Equal(t, tt.wantCount, in.Count())
		})
	}
}

func TestInflightsWrapsAround(t *testing.T) {
	in := NewInflights(3)
	next := uint64(1)
	// Push many indexes through a window of three; the ring must keep order.
	for round := 0; round < 10; round++ {
		for !in.Full() {
			require.True(t, in.Add(next))
			next++
		}
		in.FreeLE(next - 3) // free the oldest one
		assert.Equal(t, 2, in.Count())
	}
	in.FreeLE(next - 2)
	assert.Equal(t, 1, in.Count())
	in.FreeLE(next)
	assert.Equal(t, 0, in.Count())
}

func TestInflightsFreeFirstOneAndReset(t *testing.T) {
	in := NewInflights(2)
	in.FreeFirstOne() // empty: no-op
	require.True(t, in.Add(3))
	require.True(t, in.Add(6))
	in.FreeFirstOne()
	assert.Equal(t, 1, in.Count())
	assert.False(t, in.Full())
	in.Reset()
	assert.Equal(t, 0, in.Count())
	assert.True(t, in.Add(1), "after Reset any index may be added")
}
