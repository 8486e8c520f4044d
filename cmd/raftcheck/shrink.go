package main

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"raftcheck/checker"
	"raftcheck/harness/run"
)

// runShrink minimises a failing run: with the same seed, it tries smaller
// configurations — less time, fewer clients, keys and nodes, a lower rate,
// fewer fault kinds — and keeps each that still fails the same way (one of
// the checkers that failed originally still fails). Every try is a whole
// deterministic run, so the result reproduces exactly. It stores the
// smallest failing run and prints its replay command.
func runShrink(args []string, stdout io.Writer) (int, error) {
	fs := flag.NewFlagSet("shrink", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	store := fs.String("store", "store", "the store directory for the shrunk run")
	maxTries := fs.Int("tries", 100, "the most runs to try")
	budget := fs.Duration("check-budget", time.Minute, "wall-clock budget of each linearizability check")
	if err := fs.Parse(args); err != nil {
		return exitError, flagError(fs, err)
	}
	if fs.NArg() != 1 {
		return exitError, usagef("want one run directory, got %d arguments", fs.NArg())
	}
	cfg, stored, err := loadRun(fs.Arg(0))
	if err != nil {
		return exitError, err
	}
	var failing []string
	for name, r := range stored.Checkers {
		if r.Valid == checker.Invalid {
			failing = append(failing, name)
		}
	}
	sort.Strings(failing)
	if len(failing) == 0 {
		return exitError, usagef("%s did not fail: its verdict is %s, nothing to shrink", fs.Arg(0), verdictWord(stored.Valid))
	}
	s := &shrinker{failing: failing, budget: *budget, tries: *maxTries}
	fmt.Fprintf(stdout, "SEED=%d\nshrinking a run that fails %s (%d operations)\n", cfg.Seed, strings.Join(failing, ", "), stored.Ops)
	best, cr, err := s.shrink(cfg, stdout)
	if err != nil {
		return exitError, err
	}
	if cr == nil {
		return exitError, fmt.Errorf("the stored run no longer fails the same way when run again: replay it to see why")
	}
	f := &runFlags{cfg: best, budget: *budget, store: *store}
	st, err := storeRun(f, *store, cr)
	if err != nil {
		return exitError, err
	}
	fmt.Fprintf(stdout, "shrunk in %d runs to %d operations: %s\n", s.runs, runOps(cr.out), replayLine(f, st.dir))
	fmt.Fprintf(stdout, "run directory: %s\nreport: %s\n", st.dir, st.report)
	return st.valid.ExitCode(), nil
}

type shrinker struct {
	failing []string
	budget  time.Duration
	tries   int
	runs    int
}

// fails runs cfg and reports whether it fails the way the original did.
func (s *shrinker) fails(cfg run.Config) (*checkedRun, bool, error) {
	s.runs++
	cr, err := executeAndCheck(&runFlags{cfg: cfg, budget: s.budget})
	if err != nil {
		return nil, false, err
	}
	for _, name := range s.failing {
		if cr.checked.Results[name].Valid == checker.Invalid {
			return cr, true, nil
		}
	}
	return cr, false, nil
}

// shrink first confirms the failure, then greedily applies every smaller
// step that keeps it, until none does or the tries run out.
func (s *shrinker) shrink(cfg run.Config, log io.Writer) (run.Config, *checkedRun, error) {
	best, ok, err := s.fails(cfg)
	if err != nil || !ok {
		return cfg, nil, err
	}
	for progress := true; progress && s.runs < s.tries; {
		progress = false
		for _, step := range shrinkSteps(cfg) {
			if s.runs >= s.tries {
				break
			}
			cr, ok, err := s.fails(step.cfg)
			if err != nil {
				return cfg, nil, err
			}
			if ok {
				fmt.Fprintf(log, "  %s: still fails (%d operations)\n", step.what, runOps(cr.out))
				cfg, best, progress = step.cfg, cr, true
				break
			}
		}
	}
	return cfg, best, nil
}

type shrinkStep struct {
	what string
	cfg  run.Config
}

// shrinkSteps are the smaller configurations to try next, the biggest cuts
// first.
func shrinkSteps(c run.Config) []shrinkStep {
	var steps []shrinkStep
	try := func(what string, change func(*run.Config) bool) {
		next := c
		next.Nemesis.Kinds = append([]string(nil), c.Nemesis.Kinds...)
		if change(&next) && next.Validate() == nil {
			steps = append(steps, shrinkStep{what, next})
		}
	}
	try("half the time", func(n *run.Config) bool {
		n.Time = (n.Time / 2).Round(100 * time.Millisecond)
		return n.Time >= time.Second && n.Time < c.Time
	})
	try("half the clients", func(n *run.Config) bool { n.Clients /= 2; return n.Clients >= 1 })
	try("half the keys", func(n *run.Config) bool { n.Keys /= 2; return n.Keys >= 1 })
	try("three nodes", func(n *run.Config) bool { n.Nodes = 3; return c.Nodes > 3 })
	try("half the rate", func(n *run.Config) bool { n.Rate /= 2; return n.Rate >= 1 })
	for i, k := range c.Nemesis.Kinds {
		try("without "+k, func(n *run.Config) bool {
			n.Nemesis.Kinds = append(append([]string(nil), c.Nemesis.Kinds[:i]...), c.Nemesis.Kinds[i+1:]...)
			return true
		})
	}
	try("the last quarter of the time", func(n *run.Config) bool {
		n.Time -= c.Time / 4
		return n.Time >= time.Second && n.Time < c.Time
	})
	return steps
}
