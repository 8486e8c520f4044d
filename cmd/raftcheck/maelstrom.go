package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"raftcheck/checker"
	"raftcheck/harness/maelstrom"
	"raftcheck/results"
	"raftcheck/workloads"
)

// maelstromConfig is the Maelstrom run the flags ask for.
func (f *runFlags) maelstromConfig() maelstrom.Config {
	c := maelstrom.DefaultConfig(f.cfg.Seed)
	c.Bin, c.Args = f.bin, strings.Fields(f.binArgs)
	c.Time, c.Nodes, c.Clients, c.Keys, c.OpsPerKey, c.Rate = f.cfg.Time, f.cfg.Nodes, f.cfg.Clients, f.cfg.Keys, f.cfg.OpsPerKey, f.cfg.Rate
	c.Nemesis.Kinds, c.Nemesis.Interval = f.cfg.Nemesis.Kinds, f.cfg.Nemesis.Interval
	if f.nemesis == "all" {
		c.Nemesis.Kinds = maelstrom.Kinds
	}
	return c
}

// checkMaelstrom checks the flags of a Maelstrom run before it starts.
func (f *runFlags) checkMaelstrom() error {
	set := map[string]bool{}
	f.fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	for _, name := range []string{"swarm", "bug", "spares", "read-mode"} {
		if set[name] {
			return usagef("--%s does not apply to --system maelstrom: the binary is a black box", name)
		}
	}
	if f.nemesis == "swarm" {
		return usagef("--nemesis swarm does not apply to --system maelstrom; name the kinds, or all (%s)", strings.Join(maelstrom.Kinds, ", "))
	}
	switch f.cfg.Workload {
	case "lin-kv":
	case "register":
		if set["workload"] {
			return usagef("--system maelstrom runs --workload lin-kv (read, write and cas, checked as the register workload is)")
		}
	default:
		return usagef("--system maelstrom runs --workload lin-kv, not %s", f.cfg.Workload)
	}
	f.cfg.Workload = "lin-kv"
	if err := f.maelstromConfig().Validate(); err != nil {
		return usagef("%v", err)
	}
	return nil
}

// maelstromReplay is the command line that runs it again (not the same
// run: a Maelstrom run is not deterministic).
func (f *runFlags) maelstromReplay() string {
	c := f.maelstromConfig()
	line := fmt.Sprintf("raftcheck run --system maelstrom --bin %s", c.Bin)
	if len(c.Args) > 0 {
		line += fmt.Sprintf(" --bin-args %q", strings.Join(c.Args, " "))
	}
	nem := "none"
	if len(c.Nemesis.Kinds) > 0 {
		nem = strings.Join(c.Nemesis.Kinds, ",")
	}
	return line + fmt.Sprintf(" --workload lin-kv --seed %d --time %v --nodes %d --clients %d --keys %d --ops-per-key %d --rate %v --nemesis %s --nemesis-interval %v",
		c.Seed, c.Time, c.Nodes, c.Clients, c.Keys, c.OpsPerKey, c.Rate, nem, c.Nemesis.Interval)
}

// runMaelstrom runs the processes, checks the history and stores the run.
// SIGINT and SIGTERM end the run early, its processes killed, and what it
// recorded is checked and stored.
func runMaelstrom(f *runFlags, stdout io.Writer) (int, error) {
	cfg := f.maelstromConfig()
	started := time.Now()
	store := &results.Store{Root: f.store}
	test := "maelstrom-" + f.testName()
	dir, err := store.Begin(test, cfg.Seed, started)
	if err != nil {
		return exitError, err
	}
	committed := false
	defer func() {
		if !committed {
			dir.Abort()
		}
	}()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	out, err := maelstrom.Run(ctx, cfg, dir.WorkPath())
	if err != nil {
		return exitError, err
	}
	checked, err := workloads.Check(out.History, "register", f.budget)
	if err != nil {
		return exitError, err
	}
	protocol := checker.Result{Valid: checker.Valid, Summary: fmt.Sprintf("every node answered init and spoke the protocol; %d messages routed", out.Messages.Routed)}
	if len(out.Problems) > 0 {
		protocol = checker.Result{Valid: checker.Invalid, Summary: strings.Join(out.Problems, "; ")}
	}
	checked.Results["node-protocol"] = protocol
	histHash, err := dir.Create(results.FileHistory, func(w io.Writer) error { return checker.WriteJSONL(w, out.History) })
	if err != nil {
		return exitError, err
	}
	traceHash, err := results.HashFile(filepath.Join(dir.WorkPath(), results.FileTrace))
	if err != nil {
		return exitError, err
	}
	faultsRaw := results.Raw(out.Faults)
	faults, err := results.DecodeFaults(faultsRaw)
	if err != nil {
		return exitError, err
	}
	ann := results.Annotations(faults, nil, int64(out.Took))
	if _, err := dir.Create(results.FileLinearizability, func(w io.Writer) error { return checked.Linearizability.Visualize(w, ann) }); err != nil {
		return exitError, err
	}
	r := &results.Run{
		Valid: checked.Results.Valid(), Test: test, Seed: cfg.Seed, Config: results.Raw(cfg),
		Checkers: checked.Results, HistorySHA256: histHash, TraceSHA256: traceHash,
		Ops: countOps(out.History), SimSeconds: out.Took.Seconds(), WallSeconds: time.Since(started).Seconds(),
		Replay: f.maelstromReplay(), Started: started.UTC(), Faults: faultsRaw,
		FaultWorld: results.Raw(faultWorld{Nemesis: cfg.Nemesis}),
		Network:    results.Raw(out.Messages),
	}
	if len(out.Skipped) > 0 {
		r.FaultsSkipped = results.Raw(out.Skipped)
	}
	if err := dir.WriteJSON(results.FileResults, r); err != nil {
		return exitError, err
	}
	report := results.Report{Run: r, History: out.History, Linearizability: checked.Linearizability, Trace: true}
	if _, err := dir.Create(results.FileReport, func(w io.Writer) error { return results.WriteReport(w, report) }); err != nil {
		return exitError, err
	}
	if err := dir.Commit(); err != nil {
		return exitError, err
	}
	committed = true
	if err := results.WriteIndex(f.store); err != nil {
		return exitError, fmt.Errorf("run stored in %s, but %w", dir.Path(), err)
	}
	fmt.Fprintf(stdout, "%s: %s (%s)\n", test, verdictWord(r.Valid), summarize(checked.Results))
	fmt.Fprintf(stdout, "not deterministic: the nodes keep their own timers; node logs in %s\n", filepath.Join(dir.Path(), "nodes"))
	fmt.Fprintf(stdout, "run directory: %s\n", dir.Path())
	fmt.Fprintf(stdout, "report: %s\n", filepath.Join(dir.Path(), results.FileReport))
	return r.Valid.ExitCode(), nil
}
