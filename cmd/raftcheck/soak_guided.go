package main

import (
	"slices"
	"sync"
	"time"

	"raftcheck/harness"
	"raftcheck/harness/kv"
	"raftcheck/harness/run"
	"raftcheck/nemesis"
)

// guide steers a coverage-guided soak (soak --guided), as a fuzzer does:
// it keeps the configurations of runs that reached a coverage point no run
// reached before (run.Outcome.Coverage: abstract Raft behaviours, not lines
// of code), and builds two seeds in three from one of them, mutated: the
// same world with a fresh seed (every timing and fault moment drawn again)
// and one change (a fault kind added or dropped, the interval halved or
// doubled, one more or one fewer fault at once, a run half or twice as
// long, a node more or fewer, the other read mode).
// The third seed is a fresh swarm world, so the soak keeps exploring.
//
// Every run is reproducible from its results.json; the soak as a whole is
// reproducible only with --workers 1, since with more the corpus grows in
// the order runs happen to finish.
type guide struct {
	mu sync.Mutex
	// hits counts the runs that reached each point.
	hits   map[string]int
	corpus []corpusEntry
	// mutated counts the runs built from the corpus, and fruitful those of
	// them that reached new coverage.
	mutated, fruitful int
}

// corpusEntry is a kept run: its configuration and the points it reached.
type corpusEntry struct {
	cfg    run.Config
	points []string
}

func newGuide() *guide { return &guide{hits: map[string]int{}} }

// pick chooses a corpus entry, favouring those that reached rare points,
// as AFL favours inputs that exercise rare edges: an entry's weight is the
// number of its points that at most rareHits runs reached, plus one.
func (g *guide) pick(r *harness.Stream) run.Config {
	const rareHits = 3
	weights := make([]int, len(g.corpus))
	total := 0
	for i, e := range g.corpus {
		w := 1
		for _, p := range e.points {
			if g.hits[p] <= rareHits {
				w++
			}
		}
		weights[i] = w
		total += w
	}
	x := int(r.Below(uint64(total)))
	for i, w := range weights {
		if x < w {
			return g.corpus[i].cfg
		}
		x -= w
	}
	return g.corpus[len(g.corpus)-1].cfg
}

// next is the configuration of the run for seed: a mutant of a corpus
// entry, or cfg (the seed's own swarm world) as it is.
func (g *guide) next(cfg run.Config, seed uint64) (run.Config, bool) {
	r := harness.NewSeeds(seed).Stream("guide")
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.corpus) == 0 || r.Below(3) == 0 {
		return cfg, false
	}
	base := g.pick(r)
	m := base
	m.Seed = seed
	m.Nemesis.Kinds = slices.Clone(base.Nemesis.Kinds)
	m.SwarmKept = slices.Clone(base.SwarmKept)
	switch r.Below(7) {
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
	case 5: // one node more or fewer
		m.Nodes = min(7, max(3, m.Nodes+2*int(r.Below(2))-1))
	case 6: // the other read mode
		m.Server.ReadMode = kv.ReadIndex
		if base.Server.ReadMode == kv.ReadIndex {
			m.Server.ReadMode = kv.ReadLease
		}
	}
	// A mutant that reads by lease keeps the lease's world sound, so that
	// its lease reads are judged, never excused.
	m.FitLeaseReads(true)
	m.FitMembershipFaults()
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
		if g.hits[p] == 0 {
			fresh = true
		}
		g.hits[p]++
	}
	if fresh && keep {
		g.corpus = append(g.corpus, corpusEntry{cfg: cfg, points: points})
		if mutated {
			g.fruitful++
		}
	}
	return len(g.hits)
}
