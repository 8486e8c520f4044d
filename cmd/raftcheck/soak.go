package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"raftcheck/checker"
)

// soakFlags are the soak's own flags; every run flag applies to each seed.
type soakFlags struct {
	*runFlags
	seeds    uint64
	duration time.Duration
	first    uint64
	workers  int
	shard    string
	failFast bool
	shrink   int
	out      string
	progress time.Duration
	guided   bool
	recheck  uint64
}

func newSoakFlags() *soakFlags {
	f := &soakFlags{runFlags: newRunFlags("soak")}
	f.cfg.Time = 10 * time.Second
	fs := f.fs
	fs.Uint64Var(&f.seeds, "seeds", 0, "number of seeds to run (over all shards)")
	fs.DurationVar(&f.duration, "duration", 0, "run seeds until this much wall time has passed")
	fs.Uint64Var(&f.first, "first", 1, "first seed of the range")
	fs.IntVar(&f.workers, "workers", runtime.NumCPU(), "seeds run in parallel")
	fs.StringVar(&f.shard, "shard", "1/1", "I/N: run only the I-th of N disjoint slices of the seeds")
	fs.BoolVar(&f.failFast, "fail-fast", false, "stop at the first seed that is not valid")
	fs.IntVar(&f.shrink, "shrink", 30, "shrink each failing seed with up to this many runs, keeping the smallest that fails the same way (0: off)")
	fs.StringVar(&f.out, "out", "", "output directory for summary.json and failing runs (default: STORE/soak-<UTC time>)")
	fs.DurationVar(&f.progress, "progress", 10*time.Second, "interval of progress lines when the output is not a terminal")
	fs.Uint64Var(&f.recheck, "recheck", 20, "run the first 20 seeds from --first and every N-th after them twice, and fail a seed whose two histories differ: a seed must reproduce its run (0: off)")
	fs.BoolVar(&f.guided, "guided", false, "coverage-guided: keep the worlds of runs that reach new Raft behaviours and mutate them, as fuzzers do (reproducible as a whole only with --workers 1)")
	// The soak's defaults are whole-world swarm (every seed draws its own
	// world; see run.Config.UseSwarmWorld), with swarm faults when --swarm
	// is turned off. They are defaults, not explicit options, so the world
	// draws over them.
	for name, value := range map[string]string{"swarm": "true", "nemesis": "swarm"} {
		fl := fs.Lookup(name)
		_ = fl.Value.Set(value)
		fl.DefValue = value
	}
	return f
}

func runSoak(args []string, stdout io.Writer) (int, error) {
	f := newSoakFlags()
	if err := f.parse(args); err != nil {
		return exitError, err
	}
	if (f.seeds == 0) == (f.duration == 0) {
		return exitError, usagef("give exactly one of --seeds N or --duration D")
	}
	if f.workers < 1 {
		return exitError, usagef("--workers must be at least 1, got %d", f.workers)
	}
	sh, err := parseShard(f.shard)
	if err != nil {
		return exitError, err
	}
	if f.out == "" {
		f.out = filepath.Join(f.store, "soak-"+time.Now().UTC().Format("20060102T150405Z"))
	}
	s := &soaker{f: f, shard: sh, out: stdout, started: time.Now(), tty: isTerminal(stdout), guide: newGuide()}
	s.summary = soakSummary{Command: "raftcheck soak " + strings.Join(args, " "), Shard: sh.String(), Started: s.started.UTC(), Valid: checker.Valid}
	if f.seeds > 0 {
		s.total = sh.seedsIn(f.seeds)
	}
	if err := s.run(); err != nil {
		return exitError, err
	}
	if err := writeSummary(f.out, &s.summary); err != nil {
		return exitError, err
	}
	undecided := ""
	if n := s.summary.Undecided; n > 0 {
		undecided = fmt.Sprintf(" (and %d undecided by the linearizability budget, which depends on the machine)", n)
	}
	fmt.Fprintf(stdout, "%d runs, %d not valid%s, %.1f runs/s; summary: %s\n", s.summary.Runs, s.summary.Failures, undecided,
		float64(s.summary.Runs)/s.summary.WallSeconds, filepath.Join(f.out, summaryFile))
	return s.summary.Valid.ExitCode(), nil
}

// soaker runs a soak: workers take seeds in order, run and check each in
// memory, and keep a run directory only for seeds that are not valid.
type soaker struct {
	f       *soakFlags
	shard   shard
	out     io.Writer
	started time.Time
	total   uint64 // seeds in this shard; 0 with --duration
	tty     bool   // stdout is a terminal: progress is one line, rewritten

	mu      sync.Mutex
	summary soakSummary
	// guide tracks coverage (and, with --guided, steers by it).
	guide *guide
	// storing serialises writing run directories and the store's index,
	// so parallel workers never rewrite the index over each other.
	storing sync.Mutex
}

func (s *soaker) run() error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	g, ctx := errgroup.WithContext(ctx)
	seeds := make(chan uint64)
	var deadline time.Time
	if s.f.duration > 0 {
		deadline = s.started.Add(s.f.duration)
	}
	g.Go(func() error {
		defer close(seeds)
		for k := uint64(0); s.total == 0 || k < s.total; k++ {
			if !deadline.IsZero() && time.Now().After(deadline) {
				return nil
			}
			select {
			case seeds <- s.shard.seed(s.f.first, k):
			case <-ctx.Done():
				return nil
			}
		}
		return nil
	})
	for i := 0; i < s.f.workers; i++ {
		g.Go(func() error {
			for seed := range seeds {
				v, err := s.runSeed(seed)
				if err != nil {
					return err
				}
				if s.record(v) && s.f.failFast {
					cancel()
				}
			}
			return nil
		})
	}
	stop := s.startProgress()
	err := g.Wait()
	stop()
	s.summary.WallSeconds = time.Since(s.started).Seconds()
	sortSeeds(s.summary.Seeds)
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// runSeed runs one seed with the soak's run flags.
func (s *soaker) runSeed(seed uint64) (seedVerdict, error) {
	rf := *s.f.runFlags
	rf.cfg.Seed = seed
	switch {
	case rf.cfg.SwarmWorld:
		rf.cfg.UseSwarmWorld(rf.cfg.SwarmKept)
	case rf.cfg.Swarm:
		rf.cfg.UseSwarm()
	}
	mutated := false
	if s.f.guided {
		rf.cfg, mutated = s.guide.next(rf.cfg, seed)
	}
	// A passing run's trace is thrown away, and hashing it is a fifth of
	// a run's time: each seed runs without one, and a failing seed runs
	// again with it when it is stored (storeTrace).
	traced := rf.cfg.Trace
	rf.cfg.Trace = false
	cr, err := executeAndCheck(&rf)
	rf.cfg.Trace = traced
	if err != nil {
		return seedVerdict{}, fmt.Errorf("seed %d: %w", seed, err)
	}
	if k := seed - s.f.first; s.f.recheck > 0 && (k < recheckFirst || k%s.f.recheck == 0) {
		untraced := rf.cfg
		untraced.Trace = false
		r, err := recheck(untraced, cr.out)
		if err != nil {
			return seedVerdict{}, fmt.Errorf("seed %d: rechecking: %w", seed, err)
		}
		cr.checked.Results["determinism"] = r
	}
	v := seedVerdict{Seed: seed, Valid: cr.checked.Results.Valid(), Mutant: mutated}
	v.points = s.guide.observe(rf.cfg, cr.out.Coverage, mutated, s.f.guided)
	if v.Valid != checker.Valid {
		runs := filepath.Join(s.f.out, "runs")
		s.storing.Lock()
		st, err := storeRun(&rf, runs, cr)
		s.storing.Unlock()
		if err != nil {
			return seedVerdict{}, fmt.Errorf("seed %d: %w", seed, err)
		}
		// Storing ran the seed again for its trace, and a second run that
		// differs adds a failing determinism check (storeTrace).
		v.Valid = cr.checked.Results.Valid()
		v.Undecided = cr.checked.Results.UndecidedByBudget()
		v.Summary = summarize(cr.checked.Results)
		v.Dir = st.dir
		if s.f.shrink > 0 {
			if v.Shrunk, err = s.shrinkSeed(rf, cr, runs); err != nil {
				return seedVerdict{}, fmt.Errorf("seed %d: shrinking: %w", seed, err)
			}
		}
	}
	return v, nil
}

// shrinkSeed minimises a failing seed's run and stores the smallest run
// that fails the same way; it returns that run's directory, or "" when no
// smaller run failed.
func (s *soaker) shrinkSeed(rf runFlags, cr *checkedRun, runs string) (string, error) {
	var failing []string
	for name, r := range cr.checked.Results {
		if r.Valid == checker.Invalid {
			failing = append(failing, name)
		}
	}
	if len(failing) == 0 {
		return "", nil // unknown, not invalid: nothing fails the same way
	}
	sort.Strings(failing)
	sh := &shrinker{failing: failing, budget: rf.budget, tries: s.f.shrink}
	best, smallest, err := sh.shrink(rf.cfg, io.Discard)
	if err != nil || smallest == nil || runOps(smallest.out) >= runOps(cr.out) {
		return "", err
	}
	rf.cfg = best
	s.storing.Lock()
	defer s.storing.Unlock()
	st, err := storeRun(&rf, runs, smallest)
	if err != nil {
		return "", err
	}
	return st.dir, nil
}

// record adds a seed's verdict and reports whether it was a failure.
func (s *soaker) record(v seedVerdict) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.summary.Runs++
	s.summary.Seeds = append(s.summary.Seeds, v)
	if v.points > s.summary.CoveragePoints {
		s.summary.CoveragePoints = v.points
		s.summary.Coverage = append(s.summary.Coverage, coverageSample{Runs: s.summary.Runs, Points: v.points, WallSeconds: time.Since(s.started).Seconds()})
	}
	s.summary.Valid = checker.Merge(s.summary.Valid, v.Valid)
	failed := v.Valid != checker.Valid && !v.Undecided
	if v.Valid != checker.Valid {
		word := verdictWord(v.Valid)
		if v.Undecided {
			s.summary.Undecided++
			word = "undecided by the linearizability budget, not a failure"
		} else {
			s.summary.Failures++
		}
		clear := ""
		if s.tty {
			clear = "\r\033[K" // over the progress line, which comes back
		}
		fmt.Fprintf(s.out, "%sseed %d: %s (%s) %s\n", clear, v.Seed, word, v.Summary, v.Dir)
		if v.Shrunk != "" {
			fmt.Fprintf(s.out, "seed %d shrunk: %s\n", v.Seed, v.Shrunk)
		}
	}
	if s.summary.Runs == 100 {
		s.summary.HeapMB = append(s.summary.HeapMB, heapMB())
	}
	return failed
}

// heapMB is the live heap after a collection, in MB.
func heapMB() float64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapAlloc) / (1 << 20)
}

// startProgress prints progress: a line rewritten in place on a terminal,
// plain lines every --progress otherwise. It returns a function that stops
// it and prints the last line.
func (s *soaker) startProgress() (stop func()) {
	tty := s.tty
	every := s.f.progress
	if tty {
		every = 250 * time.Millisecond
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				s.printProgress(tty, false)
			case <-done:
				s.printProgress(tty, true)
				return
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		s.mu.Lock()
		if s.summary.Runs > 100 {
			s.summary.HeapMB = append(s.summary.HeapMB, heapMB())
		}
		s.mu.Unlock()
	}
}

func (s *soaker) printProgress(tty, last bool) {
	// Under the lock: failure lines are written under it too, and the two
	// must not interleave.
	s.mu.Lock()
	defer s.mu.Unlock()
	runs, fails := s.summary.Runs, s.summary.Failures
	elapsed := time.Since(s.started)
	rate := float64(runs) / elapsed.Seconds()
	left := "?"
	switch {
	case s.total > 0 && rate > 0:
		left = (time.Duration(float64(s.total-uint64(runs))/rate) * time.Second).Round(time.Second).String()
	case s.f.duration > 0:
		left = (s.f.duration - elapsed).Round(time.Second).String()
	}
	of := ""
	if s.total > 0 {
		of = fmt.Sprintf("/%d", s.total)
	}
	line := fmt.Sprintf("soak %s: %d%s seeds, %d failures, %.1f runs/s, %s left", s.shard, runs, of, fails, rate, left)
	switch {
	case tty && last:
		fmt.Fprintf(s.out, "\r\033[K%s\n", line)
	case tty:
		fmt.Fprintf(s.out, "\r\033[K%s", line)
	default:
		fmt.Fprintln(s.out, line)
	}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
