package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestShardsPartitionTheSeedSpace: for several N, the shards' seed sets
// are disjoint and together are exactly the range.
func TestShardsPartitionTheSeedSpace(t *testing.T) {
	for _, n := range []uint64{1, 2, 3, 4, 7, 16} {
		for _, total := range []uint64{0, 1, 5, 100, 1001} {
			const first = 42
			seen := map[uint64]uint64{}
			for i := uint64(1); i <= n; i++ {
				s := shard{index: i, count: n}
				for k := uint64(0); k < s.seedsIn(total); k++ {
					seed := s.seed(first, k)
					prev, dup := seen[seed]
					require.False(t, dup, "N=%d: seed %d in shards %d and %d", n, seed, prev, i)
					seen[seed] = i
				}
			}
			require.Len(t, seen, int(total), "N=%d total=%d", n, total)
			for seed := range seen {
				assert.True(t, seed >= first && seed < first+total, "N=%d: seed %d outside the range", n, seed)
			}
		}
	}
}

func TestParseShard(t *testing.T) {
	s, err := parseShard("2/8")
	require.NoError(t, err)
	assert.Equal(t, shard{index: 2, count: 8}, s)
	for _, bad := range []string{"", "2", "0/3", "4/3", "a/b", "1/0", "-1/2"} {
		_, err := parseShard(bad)
		assert.Error(t, err, bad)
	}
}
