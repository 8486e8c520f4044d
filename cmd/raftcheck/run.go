package main

import (
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"raftcheck/harness/cluster"
	"raftcheck/harness/kv"
	"raftcheck/harness/raftnode"
	"raftcheck/harness/run"
	"raftcheck/nemesis"
)

// runFlags are `raftcheck run`'s flags, bound to a run.Config.
// defaultMaxMemory is --max-memory's default: a quarter of a 16 GiB
// machine, and more than any default run or soak needs by far.
const defaultMaxMemory = 4 << 30

type runFlags struct {
	fs       *flag.FlagSet
	cfg      run.Config
	seed     uint64
	readMode string
	nemesis  string
	store    string
	budget   time.Duration
	bug      string
	// swarmWorld is --swarm: the seed draws the whole world.
	swarmWorld bool
	// spares is --spares: nodes outside the initial configuration.
	spares int
	// bin and binArgs are the node binary of --system maelstrom.
	bin, binArgs string
	// keepTrace is --trace: the full trace.txt is written even for a run
	// that passes (a failing run's always is).
	keepTrace bool
	// maxMemory is --max-memory: the heap the process may retain.
	maxMemory byteSize
}

func newRunFlags(name string) *runFlags {
	f := &runFlags{fs: flag.NewFlagSet(name, flag.ContinueOnError), cfg: run.DefaultConfig(0)}
	fs := f.fs
	fs.SetOutput(io.Discard)
	c := &f.cfg
	fs.Uint64Var(&f.seed, "seed", 0, "the run's seed (0: draw one and print it)")
	fs.StringVar(&c.System, "system", c.System, "the system under test: "+strings.Join(cluster.SystemNames(), ", ")+" (simulated), or maelstrom (--bin: any binary that speaks Maelstrom's protocol, one process per node, --workload lin-kv)")
	fs.StringVar(&f.bin, "bin", "", "with --system maelstrom: the node binary")
	fs.StringVar(&f.binArgs, "bin-args", "", "with --system maelstrom: the node binary's arguments, separated by spaces")
	fs.DurationVar(&c.Time, "time", c.Time, "simulated duration of the main phase (load and faults)")
	fs.IntVar(&c.Nodes, "nodes", c.Nodes, "number of Raft nodes")
	fs.IntVar(&f.spares, "spares", 0, "of the --nodes nodes, how many (the last) start outside the configuration, for the membership faults to add")
	fs.IntVar(&c.Clients, "clients", c.Clients, "number of client processes at a time")
	fs.StringVar(&c.Workload, "workload", c.Workload, "register, counter, set or append")
	fs.IntVar(&c.Keys, "keys", c.Keys, "independent keys in use at a time")
	fs.IntVar(&c.OpsPerKey, "ops-per-key", c.OpsPerKey, "operations after which a key is retired for a fresh one (0: never)")
	fs.IntVar(&c.RetainEvents, "retain-events", 0, fmt.Sprintf("history events kept in memory before the keys that retired are checked and their events evicted, so a long run's memory depends on the keys in use (0: %d); history.jsonl always holds every event", run.DefaultRetainEvents))
	fs.Float64Var(&c.Rate, "rate", c.Rate, "target operations per second over all clients")
	fs.StringVar(&f.readMode, "read-mode", string(c.Server.ReadMode), "index, lease or local")
	fs.StringVar(&f.nemesis, "nemesis", "partition", "none, all, swarm (the seed draws the fault world), or a comma list of fault kinds: "+strings.Join(nemesis.Kinds(), ", "))
	fs.DurationVar(&c.Nemesis.Interval, "nemesis-interval", c.Nemesis.Interval, "time between nemesis actions")
	fs.IntVar(&c.Raft.SnapshotEntries, "snapshot-entries", c.Raft.SnapshotEntries, "each node snapshots its state machine and compacts its log every this many applied entries (0: never; a run of hours needs it, or its logs grow without end)")
	fs.IntVar(&c.Liveness, "liveness", c.Liveness, "election timeouts after the final heal within which a leader, an operation by every client, and every final read must succeed")
	fs.StringVar(&f.store, "store", "store", "the store directory")
	fs.DurationVar(&f.budget, "check-budget", time.Minute, "wall-clock budget of the linearizability check (exhausted: unknown)")
	fs.StringVar(&f.bug, "bug", "", "plant a known bug on purpose (see raftcheck zoo): "+strings.Join(plantedBugs(), ", "))
	f.maxMemory = defaultMaxMemory
	fs.Var(&f.maxMemory, "max-memory", "the heap the process may retain (such as 4GiB, 512MiB; 0: no ceiling): over it a run stops with an error, exit 3, rather than being killed by the machine; the garbage collector keeps the whole heap under it too")
	fs.BoolVar(&f.keepTrace, "trace", false, "write the full trace.txt even when every checker passes (a run that does not pass always has it; every run's trace is hashed into results.json)")
	fs.BoolVar(&f.swarmWorld, "swarm", false, "the seed draws the whole world: cluster size, Raft timing and batching, read mode, workload, clients, run length, faults and their density, clocks within the lease's bound (options given explicitly are kept: "+strings.Join(run.SwarmOptions, ", ")+")")
	return f
}

// parse reads the flags into the run's configuration.
func (f *runFlags) parse(args []string) error {
	if err := f.fs.Parse(args); err != nil {
		return flagError(f.fs, err)
	}
	if f.fs.NArg() > 0 {
		return usagef("unexpected argument %q", f.fs.Arg(0))
	}
	mode, err := kv.ParseReadMode(f.readMode)
	if err != nil {
		return usagef("--read-mode: %v", err)
	}
	f.cfg.Server.ReadMode = mode
	if f.seed == 0 {
		f.seed = drawSeed()
	}
	f.cfg.Seed = f.seed
	if f.nemesis == "swarm" {
		f.cfg.UseSwarm()
	} else {
		kinds, err := nemesis.Parse(f.nemesis)
		if err != nil {
			return usagef("--nemesis: %v", err)
		}
		f.cfg.Nemesis.Kinds = kinds
	}
	switch {
	case f.bug == "":
	case isRaftBug(f.bug):
		f.cfg.Raft.Bug = f.bug
	case isServiceBug(f.bug):
		f.cfg.Server.Bug = f.bug
	default:
		return usagef("--bug: unknown bug %q (want one of %s)", f.bug, strings.Join(plantedBugs(), ", "))
	}
	if f.budget <= 0 {
		return usagef("--check-budget must be positive, got %v", f.budget)
	}
	f.cfg.MaxMemory = uint64(f.maxMemory)
	f.cfg.CheckBudget = f.budget
	if f.maxMemory > 0 {
		debug.SetMemoryLimit(int64(f.maxMemory))
	}
	if f.spares < 0 || f.spares > 0 && f.spares >= f.cfg.Nodes {
		return usagef("--spares must be at least 0 and fewer than --nodes (%d), got %d", f.cfg.Nodes, f.spares)
	}
	if f.spares > 0 && f.swarmWorld {
		return usagef("--spares cannot be given with --swarm: the seed draws the spares of a world whose faults change the membership")
	}
	if f.spares > 0 {
		f.cfg.Raft.Voters = nil
		for id := 1; id <= f.cfg.Nodes-f.spares; id++ {
			f.cfg.Raft.Voters = append(f.cfg.Raft.Voters, uint64(id))
		}
	}
	if f.cfg.System == "maelstrom" {
		return f.checkMaelstrom()
	}
	if f.bin != "" || f.binArgs != "" {
		return usagef("--bin and --bin-args are for --system maelstrom")
	}
	if f.swarmWorld {
		var kept []string
		f.fs.Visit(func(fl *flag.Flag) {
			if slices.Contains(run.SwarmOptions, fl.Name) {
				kept = append(kept, fl.Name)
			}
		})
		f.cfg.UseSwarmWorld(kept)
	}
	if err := f.cfg.Validate(); err != nil {
		return usagef("%v", err)
	}
	return nil
}

// replay is the command line that reproduces the run.
func (f *runFlags) replay() string {
	c := f.cfg
	if c.SwarmWorld {
		return swarmWorldReplay(c)
	}
	nem := "none"
	switch {
	case c.Swarm:
		nem = "swarm"
	case len(c.Nemesis.Kinds) > 0:
		nem = strings.Join(c.Nemesis.Kinds, ",")
	}
	line := fmt.Sprintf("raftcheck run --seed %d --time %v --nodes %d --clients %d --workload %s --keys %d --ops-per-key %d --rate %v --read-mode %s --nemesis %s",
		c.Seed, c.Time, c.Nodes, c.Clients, c.Workload, c.Keys, c.OpsPerKey, c.Rate, c.Server.ReadMode, nem)
	if !c.Swarm {
		line += fmt.Sprintf(" --nemesis-interval %v", c.Nemesis.Interval)
	}
	if v := len(c.Raft.Voters); v > 0 && v < c.Nodes {
		line += fmt.Sprintf(" --spares %d", c.Nodes-v)
	}
	line += fmt.Sprintf(" --liveness %d", c.Liveness)
	if c.RetainEvents > 0 {
		line += fmt.Sprintf(" --retain-events %d", c.RetainEvents)
	}
	if c.Raft.SnapshotEntries > 0 {
		line += fmt.Sprintf(" --snapshot-entries %d", c.Raft.SnapshotEntries)
	}
	if bug := c.Raft.Bug + c.Server.Bug; bug != "" {
		line += " --bug " + bug
	}
	return line + systemFlag(c)
}

// systemFlag is the --system flag of a run of a system other than the
// bundled Raft ("" for it: its command lines stay as they were).
func systemFlag(c run.Config) string {
	if c.System == "" || c.System == "bundled" {
		return ""
	}
	return " --system " + c.System
}

// swarmWorldReplay is the command line of a whole-world swarm run: the
// seed, --swarm, and the options it kept as they were given.
func swarmWorldReplay(c run.Config) string {
	line := fmt.Sprintf("raftcheck run --seed %d --swarm", c.Seed)
	for _, name := range c.SwarmKept {
		var v any
		switch name {
		case "nodes":
			v = c.Nodes
		case "clients":
			v = c.Clients
		case "workload":
			v = c.Workload
		case "keys":
			v = c.Keys
		case "ops-per-key":
			v = c.OpsPerKey
		case "rate":
			v = c.Rate
		case "read-mode":
			v = c.Server.ReadMode
		case "time":
			v = c.Time
		case "nemesis":
			v = "none"
			switch {
			case c.Swarm:
				v = "swarm"
			case len(c.Nemesis.Kinds) > 0:
				v = strings.Join(c.Nemesis.Kinds, ",")
			}
		case "nemesis-interval":
			v = c.Nemesis.Interval
		}
		line += fmt.Sprintf(" --%s %v", name, v)
	}
	line += fmt.Sprintf(" --liveness %d", c.Liveness)
	if c.RetainEvents > 0 {
		line += fmt.Sprintf(" --retain-events %d", c.RetainEvents)
	}
	if bug := c.Raft.Bug + c.Server.Bug; bug != "" {
		line += " --bug " + bug
	}
	return line + systemFlag(c)
}

// testName names the run's folder in the store: the workload and the
// faults, as a Jepsen test name would.
func (f *runFlags) testName() string {
	nem := "none"
	switch {
	case f.cfg.Swarm:
		nem = "swarm"
	case len(f.cfg.Nemesis.Kinds) > 3:
		nem = fmt.Sprintf("%d-faults", len(f.cfg.Nemesis.Kinds))
	case len(f.cfg.Nemesis.Kinds) > 0:
		nem = strings.Join(f.cfg.Nemesis.Kinds, "+")
	}
	return f.cfg.Workload + "-" + nem
}

func runRun(args []string, stdout io.Writer) (int, error) {
	f := newRunFlags("run")
	if err := f.parse(args); err != nil {
		return exitError, err
	}
	fmt.Fprintf(stdout, "SEED=%d\n", f.cfg.Seed)
	if f.cfg.System == "maelstrom" {
		return runMaelstrom(f, stdout)
	}
	res, err := executeAndStore(f)
	if err != nil {
		return exitError, err
	}
	fmt.Fprintf(stdout, "%s: %s (%s)\n", f.testName(), verdictWord(res.valid), res.summary)
	fmt.Fprintf(stdout, "run directory: %s\n", res.dir)
	fmt.Fprintf(stdout, "report: %s\n", res.report)
	return res.valid.ExitCode(), nil
}

// plantedBugs names the bugs --bug can plant.
func plantedBugs() []string {
	names := make([]string, len(zoo))
	for i, b := range zoo {
		names[i] = b.name
	}
	return names
}

func isRaftBug(name string) bool {
	return name == raftnode.BugAckBeforeFsync || name == raftnode.BugForgetVote || name == raftnode.BugDropLargeAppends
}

func isServiceBug(name string) bool {
	switch name {
	case kv.BugNoDedup, kv.BugLeaderReads, kv.BugReadBeforeApply, kv.BugLocalExpiry, kv.BugSnapshotWithoutSessions:
		return true
	}
	return false
}
