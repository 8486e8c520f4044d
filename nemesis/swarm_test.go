package nemesis_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness/run"
	"raftcheck/nemesis"
)

func TestSwarmRepeatsForASeedAndDiffersAcrossSeeds(t *testing.T) {
	seen := map[string]bool{}
	kindsSeen := map[string]bool{}
	for seed := uint64(1); seed <= 50; seed++ {
		a, b := run.SwarmFaults(seed), run.SwarmFaults(seed)
		require.Equal(t, a, b, "seed %d: the same seed draws the same world", seed)
		require.NotEmpty(t, a.Nemesis.Kinds)
		for _, k := range a.Nemesis.Kinds {
			_, ok := nemesis.Lookup(k)
			require.True(t, ok, k)
			kindsSeen[k] = true
		}
		assert.Positive(t, a.Nemesis.Interval)
		assert.GreaterOrEqual(t, a.Nemesis.MaxActive, 1)
		cfg := run.DefaultConfig(seed)
		cfg.UseSwarm()
		require.NoError(t, cfg.Validate(), "seed %d: the world drawn is one the simulation can run", seed)
		seen[worldKey(a)] = true
	}
	assert.Len(t, seen, 50, "fifty seeds, fifty different worlds")
	assert.Len(t, kindsSeen, len(nemesis.Kinds()), "every kind turns up in some world")
}

func worldKey(w nemesis.World) string {
	return strings.Join(w.Nemesis.Kinds, ",") + "|" + w.Nemesis.Interval.String() + "|" + strconv.FormatFloat(w.Torn, 'g', -1, 64) + "|" + strconv.FormatFloat(w.Nemesis.Params.Loss, 'g', -1, 64)
}
