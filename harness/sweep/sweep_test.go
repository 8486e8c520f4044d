package sweep_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness/sweep"
)

// TestSeedSweep runs a few hundred seeds over 3- and 5-node clusters with
// every fault on and the invariants checked on every step; after the heal a
// leader must be elected, proposals must commit, and every node must catch
// up.
func TestSeedSweep(t *testing.T) {
	seeds := uint64(150)
	if testing.Short() {
		seeds = 15
	}
	for _, nodes := range []int{3, 5} {
		var proposed, committed, terms int
		for seed := uint64(1); seed <= seeds; seed++ {
			res, err := sweep.Run(sweep.Config{Seed: seed, Nodes: nodes, Faults: 10 * time.Second, Liveness: 10 * time.Second})
			require.NoError(t, err, "nodes=%d seed=%d", nodes, seed)
			proposed += res.Proposed
			committed += res.Committed
			terms += res.Terms
		}
		t.Logf("%d nodes, %d seeds: %d proposals accepted, %d committed, %d terms with a leader", nodes, seeds, proposed, committed, terms)
		assert.Greater(t, terms, int(seeds)*2, "faults forced re-elections")
	}
}

func TestSweepIsDeterministic(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		hash := func() string {
			res, err := sweep.Run(sweep.Config{Seed: seed, Nodes: 5, Faults: 3 * time.Second, Liveness: 5 * time.Second, Trace: true})
			require.NoError(t, err)
			return res.Cluster.World.Trace().SHA256()
		}
		require.Equal(t, hash(), hash(), fmt.Sprintf("seed %d", seed))
	}
}
