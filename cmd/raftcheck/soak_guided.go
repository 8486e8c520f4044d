package main

import (
	"slices"
	"sync"
	"time"

	"raftcheck/harness"
	"raftcheck/harness/run"
	"raftcheck/nemesis"
)

// guide steers a coverage-guided soak (soak --guided), as a fuzzer does:
// it keeps the configurations of runs that reached a coverage point no run
// reached before (run.Outcome.Coverage: abstract Raft behaviours, not lines
// of code), and builds two seeds in three from one of them, mutated: the
// same world with a fresh seed (every timing and fault moment drawn again)
// and one change to its faults (a kind added or dropped, the interval
// halved or doubled, one more or one fewer fault at once, a run half or
// twice as long).
// The third seed is a fresh swarm world, so the soak keeps exploring.
//
// Every run is reproducible from its results.json; the soak as a whole is
// reproducible only with --workers 1, since with more the corpus grows in
// the order runs happen to finish.
type guide struct {
	mu     sync.Mutex
	seen   map[string]bool
	corpus []run.Config
	// mutated counts the runs built from the corpus, and fruitful those of
	// them that reached new coverage.
	mutated, fruitful int
}

func newGuide() *guide { return &guide{seen: map[string]bool{}} }

// next is the configuration of the run for seed: a mutant of a corpus
// entry, or cfg (the seed's own swarm world) as it is.
func (g *guide) next(cfg run.Config, seed uint64) (run.Config, bool) {
	r := harness.NewSeeds(seed).Stream("guide")
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.corpus) == 0 || r.Below(3) == 0 {
		return cfg, false
	}
	base := g.corpus[r.Below(uint64(len(g.corpus)))]
	m := base
	m.Seed = seed
	m.Nemesis.Kinds = slices.Clone(base.Nemesis.Kinds)
	m.SwarmKept = slices.Clone(base.SwarmKept)
	switch r.Below(5) {
	case 0: // add a kind
		all := nemesis.Kinds()
		k := all[r.Below(uint64(len(all)))]
		if !slices.Contains(m.Nemesis.Kinds, k) {
			m.Nemesis.Kinds = append(m.Nemesis.Kinds, k)
		}
	case 1: // drop a kind
		if len(m.Nemesis.Kinds) > 1 {
			i := r.Below(uint64(len(m.Nemesis.Kinds)))
			m.Nemesis.Kinds = slices.Delete(m.Nemesis.Kinds, int(i), int(i)+1)
		}
	case 2: // denser or sparser
		if r.Below(2) == 0 {
			m.Nemesis.Interval = max(100*time.Millisecond, m.Nemesis.Interval/2)
		} else {
			m.Nemesis.Interval *= 2
		}
	case 3: // more or fewer faults at once
		m.Nemesis.MaxActive = int(max(1, min(3, int64(m.Nemesis.MaxActive)+int64(r.Below(3))-1)))
	case 4: // shorter or longer
		if r.Below(2) == 0 {
			m.Time = max(5*time.Second, m.Time/2)
		} else {
			m.Time = min(2*m.Time, 2*time.Minute)
		}
	}
	g.mutated++
	return m, true
}

// observe takes a finished run's coverage, keeps its configuration if it
// reached anything new, and returns how many points are known.
func (g *guide) observe(cfg run.Config, points []string, mutated, keep bool) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	fresh := false
	for _, p := range points {
		if !g.seen[p] {
			g.seen[p] = true
			fresh = true
		}
	}
	if fresh && keep {
		g.corpus = append(g.corpus, cfg)
		if mutated {
			g.fruitful++
		}
	}
	return len(g.seen)
}
