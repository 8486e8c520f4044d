package main

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"

	"raftcheck/harness/run"
)

// The guide mutates only once it has a corpus; it keeps a run's world only
// when the run reached something new; a mutant is its base with a new seed
// and one change to its faults or length.
func TestGuideKeepsWhatIsNewAndMutatesIt(t *testing.T) {
	g := newGuide()
	base := run.DefaultConfig(1)
	base.UseSwarmWorld(nil)
	for seed := uint64(1); seed <= 20; seed++ {
		_, mutated := g.next(base, seed)
		assert.False(t, mutated, "no corpus yet")
	}
	assert.Equal(t, 2, g.observe(base, []string{"a", "b"}, false, true))
	assert.Equal(t, 2, g.observe(base, []string{"a"}, false, true))
	assert.Len(t, g.corpus, 1, "a run with nothing new is not kept")

	mutants := 0
	for seed := uint64(100); seed < 160; seed++ {
		m, mutated := g.next(base, seed)
		if !mutated {
			continue
		}
		mutants++
		assert.Equal(t, seed, m.Seed)
		changed := 0
		if !slices.Equal(m.Nemesis.Kinds, base.Nemesis.Kinds) {
			changed++
		}
		if m.Nemesis.Interval != base.Nemesis.Interval {
			changed++
		}
		if m.Nemesis.MaxActive != base.Nemesis.MaxActive {
			changed++
		}
		if m.Time != base.Time {
			changed++
		}
		if m.Nodes != base.Nodes {
			changed++
		}
		if m.Server.ReadMode != base.Server.ReadMode {
			changed++
		}
		assert.LessOrEqual(t, changed, 1, "one change at a time")
		assert.Equal(t, base.Raft, m.Raft, "the rest of the world is kept")
	}
	assert.Greater(t, mutants, 20, "two seeds in three are mutants")
	assert.False(t, slices.Equal(base.Nemesis.Kinds, nil))
}
