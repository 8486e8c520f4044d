package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"raftcheck/harness/sweep"
)

// runSweep runs the Raft seed sweep (package harness/sweep): for every
// seed and cluster size, a run of the bare Raft core under every fault of
// nemesis's catalogue with the invariants checked on every step, then a
// heal and a liveness check. `raftcheck soak` tests whole systems, with
// workloads and histories.
func runSweep(args []string, stdout io.Writer) (int, error) {
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	seeds := fs.Uint64("seeds", 1000, "number of seeds per cluster size")
	first := fs.Uint64("first", 1, "first seed")
	sizes := fs.String("nodes", "3,5", "comma-separated cluster sizes")
	faults := fs.Duration("faults", 10*time.Second, "simulated time with faults")
	liveness := fs.Duration("liveness", 10*time.Second, "simulated time after the heal")
	workers := fs.Int("workers", runtime.NumCPU(), "seeds run in parallel")
	if err := fs.Parse(args); err != nil {
		return exitError, flagError(fs, err)
	}
	if fs.NArg() > 0 {
		return exitError, usagef("unexpected argument %q", fs.Arg(0))
	}
	nodes, err := parseSizes(*sizes)
	if err != nil {
		return exitError, err
	}
	if *seeds == 0 || *workers < 1 || *faults <= 0 || *liveness <= 0 {
		return exitError, usagef("--seeds, --workers, --faults and --liveness must be positive")
	}

	type job struct {
		seed  uint64
		nodes int
	}
	jobs := make(chan job)
	var mu sync.Mutex
	var failures []string
	var runs, proposed, committed int
	start := time.Now()
	g, ctx := errgroup.WithContext(context.Background())
	g.Go(func() error {
		defer close(jobs)
		for _, n := range nodes {
			for s := *first; s < *first+*seeds; s++ {
				select {
				case jobs <- job{s, n}:
				case <-ctx.Done():
					return nil
				}
			}
		}
		return nil
	})
	for i := 0; i < *workers; i++ {
		g.Go(func() error {
			for j := range jobs {
				res, err := sweep.Run(sweep.Config{Seed: j.seed, Nodes: j.nodes, Faults: *faults, Liveness: *liveness})
				mu.Lock()
				runs++
				proposed += res.Proposed
				committed += res.Committed
				if err != nil {
					line := fmt.Sprintf("FAIL nodes=%d seed=%d: %v", j.nodes, j.seed, err)
					failures = append(failures, line)
					fmt.Fprintln(stdout, line)
				}
				mu.Unlock()
			}
			return nil
		})
	}
	_ = g.Wait() // workers never return errors: failures are collected
	fmt.Fprintf(stdout, "%d runs (%d seeds x sizes %s) in %v: %d failed; %d proposals accepted, %d committed\n",
		runs, *seeds, *sizes, time.Since(start).Round(time.Millisecond), len(failures), proposed, committed)
	if len(failures) > 0 {
		return exitInvalid, nil
	}
	return exitValid, nil
}

func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 64 {
			return nil, usagef("--nodes: %q is not a cluster size between 1 and 64", f)
		}
		out = append(out, n)
	}
	return out, nil
}
