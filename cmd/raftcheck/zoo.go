package main

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"raftcheck/checker"
	"raftcheck/harness/kv"
	"raftcheck/harness/raftnode"
)

// zooBug is a planted bug and the test that should catch it.
type zooBug struct {
	name  string
	about string
	// args are the run flags of the test: the workload and the faults
	// that give the bug a chance to show.
	args []string
}

// zoo are the planted bugs raftcheck must catch: each is a mistake real
// Raft implementations or services on Raft have made.
var zoo = []zooBug{
	{raftnode.BugAckBeforeFsync, "votes and append acknowledgements leave before the fsync that makes them true",
		[]string{"--workload", "register", "--nemesis", "kill-all,kill-majority,kill-leader", "--nemesis-interval", "300ms"}},
	{raftnode.BugForgetVote, "the vote is never written to disk, so a restarted node can vote twice in a term",
		[]string{"--workload", "register", "--nemesis", "kill-minority,kill-majority,kill-leader,partition-leader", "--nemesis-interval", "200ms"}},
	{kv.BugNoDedup, "a retried command is applied again instead of answered from its session",
		[]string{"--workload", "counter", "--nemesis", "packet-loss,kill-leader", "--nemesis-interval", "1s"}},
	{kv.BugLeaderReads, "a node that believes it leads serves reads without confirming it still does",
		[]string{"--workload", "register", "--nemesis", "partition-leader", "--nemesis-interval", "1s"}},
}

// runZoo runs every planted bug over seeds until a checker catches it, and
// reports which checker did and the seed that reproduces it. It exits 0 only
// if every bug was caught.
func runZoo(args []string, stdout io.Writer) (int, error) {
	fs := flag.NewFlagSet("zoo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	seeds := fs.Int("seeds", 30, "seeds to try per bug before calling it missed")
	simTime := fs.Duration("time", 0, "simulated time of each run (default: 20s)")
	store := fs.String("store", "store", "the store directory, for the catching runs")
	only := fs.String("bug", "", "run only this bug")
	if err := fs.Parse(args); err != nil {
		return exitError, flagError(fs, err)
	}
	if fs.NArg() > 0 {
		return exitError, usagef("unexpected argument %q", fs.Arg(0))
	}
	if *seeds < 1 {
		return exitError, usagef("--seeds must be at least 1, got %d", *seeds)
	}
	t := "20s"
	if *simTime > 0 {
		t = simTime.String()
	}
	missed := 0
	found := false
	for _, bug := range zoo {
		if *only != "" && bug.name != *only {
			continue
		}
		found = true
		caught, err := catchBug(bug, *seeds, t, *store, stdout)
		if err != nil {
			return exitError, err
		}
		if !caught {
			missed++
		}
	}
	if !found {
		names := make([]string, len(zoo))
		for i, b := range zoo {
			names[i] = b.name
		}
		return exitError, usagef("--bug: unknown bug %q (want one of %s)", *only, strings.Join(names, ", "))
	}
	if missed > 0 {
		fmt.Fprintf(stdout, "%d planted bugs were not caught\n", missed)
		return exitInvalid, nil
	}
	fmt.Fprintln(stdout, "every planted bug was caught")
	return exitValid, nil
}

// catchBug runs seeds 1..n with the bug planted until a run is invalid.
func catchBug(bug zooBug, n int, simTime, store string, stdout io.Writer) (bool, error) {
	for seed := 1; seed <= n; seed++ {
		args := append([]string{"--seed", strconv.Itoa(seed), "--time", simTime, "--bug", bug.name, "--store", store}, bug.args...)
		f := newRunFlags("run")
		if err := f.parse(args); err != nil {
			return false, err
		}
		cr, err := executeAndCheck(f)
		if err != nil {
			return false, err
		}
		if cr.checked.Results.Valid() != checker.Invalid {
			continue
		}
		var by []string
		for name, r := range cr.checked.Results {
			if r.Valid == checker.Invalid {
				by = append(by, name)
			}
		}
		sort.Strings(by)
		st, err := storeRun(f, store, cr)
		if err != nil {
			return false, err
		}
		fmt.Fprintf(stdout, "%-18s caught at seed %d by %s: %s\n%-18s %s\n", bug.name, seed, strings.Join(by, ", "), bug.about, "", st.report)
		return true, nil
	}
	fmt.Fprintf(stdout, "%-18s NOT caught in %d seeds: %s\n", bug.name, n, bug.about)
	return false, nil
}
