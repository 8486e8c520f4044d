package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"raftcheck/harness"
	"raftcheck/harness/gossip"
)

// runDemo runs the gossip protocol under every fault the world has and
// prints what happened: until the Raft and the run command exist, this is
// what `make run` shows.
func runDemo(args []string, stdout io.Writer) (int, error) {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	seed := fs.Uint64("seed", 0, "the run's seed (0: draw one)")
	dur := fs.Duration("time", 5*time.Second, "simulated time")
	nodes := fs.Int("nodes", 5, "number of nodes")
	tracePath := fs.String("trace", "", "write the trace to this file")
	if err := fs.Parse(args); err != nil {
		return exitError, flagError(fs, err)
	}
	if fs.NArg() > 0 {
		return exitError, usagef("unexpected argument %q", fs.Arg(0))
	}
	if *nodes < 2 || *nodes > 64 {
		return exitError, usagef("--nodes must be between 2 and 64, got %d", *nodes)
	}
	if *dur <= 0 {
		return exitError, usagef("--time must be positive, got %v", *dur)
	}
	if *seed == 0 {
		*seed = drawSeed()
	}
	fmt.Fprintf(stdout, "SEED=%d\n", *seed)
	start := time.Now()
	// The demo is seconds of simulated time: its trace fits in memory until
	// it is written whole.
	var trace bytes.Buffer
	cfg := gossip.ChaosConfig{Seed: *seed, Nodes: *nodes, Duration: *dur, Trace: true}
	if *tracePath != "" {
		cfg.TraceTo = &trace
	}
	w, err := gossip.Chaos(cfg)
	if err != nil {
		return exitError, err
	}
	wall := time.Since(start)
	nc := w.NetworkCounters()
	fmt.Fprintf(stdout, "simulated %v in %v wall: %d events, %d trace records\n", *dur, wall.Round(time.Millisecond), w.Dispatched(), w.Trace().Len())
	fmt.Fprintf(stdout, "network: sent %d, delivered %d, duplicated %d, reordered %d, dropped %d (loss %d, partition %d, down %d)\n",
		nc.Sent, nc.Delivered, nc.Duplicated, nc.Reordered, nc.Dropped, nc.DroppedLoss, nc.DroppedPartition, nc.DroppedDown)
	for a := 0; a < w.Endpoints(); a++ {
		addr := harness.Addr(a)
		dc := w.Disk(addr).Counters()
		fmt.Fprintf(stdout, "%s: %-6s clock %+v rate %+dppm; disk writes %d, syncs %d, crashes %d, lost writes %d, torn %d\n",
			w.Name(addr), w.State(addr), w.Clock(addr).Offset(w.Now()), w.Clock(addr).Rate(),
			dc.Writes, dc.Syncs, dc.Crashes, dc.LostWrites, dc.TornWrites)
	}
	fmt.Fprintf(stdout, "trace sha256 %s\n", w.Trace().SHA256())
	if *tracePath != "" {
		if err := w.Trace().Flush(); err != nil {
			return exitError, err
		}
		if err := writeFileAtomic(*tracePath, &trace); err != nil {
			return exitError, err
		}
		fmt.Fprintf(stdout, "trace written to %s\n", *tracePath)
	}
	return exitValid, nil
}

// writeFileAtomic writes through a temporary file and renames it into place,
// so a reader never takes a half-written file for a whole one.
func writeFileAtomic(path string, src io.WriterTo) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	if _, err := src.WriteTo(f); err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Rename(f.Name(), path)
}
