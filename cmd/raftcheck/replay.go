package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"raftcheck/checker"
	"raftcheck/harness/run"
	"raftcheck/results"
)

// runReplay runs a stored run again from its results.json and compares:
// exit 0 only if the history is byte-identical, the trace hashes the same
// and the verdict is the same;
// otherwise it says where the histories first differ and exits 1.
func runReplay(args []string, stdout io.Writer) (int, error) {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	budget := fs.Duration("check-budget", time.Minute, "wall-clock budget of the linearizability check")
	if err := fs.Parse(args); err != nil {
		return exitError, flagError(fs, err)
	}
	if fs.NArg() != 1 {
		return exitError, usagef("want one run directory, got %d arguments", fs.NArg())
	}
	dir := fs.Arg(0)
	cfg, stored, err := loadRun(dir)
	if err != nil {
		return exitError, err
	}
	// The replayed history streams to a temporary file, as the run
	// records it: a long run does not keep it whole in memory.
	replayed, err := os.CreateTemp("", "raftcheck-replay-*.jsonl")
	if err != nil {
		return exitError, err
	}
	defer os.Remove(replayed.Name())
	defer replayed.Close()
	cfg.HistoryTo, cfg.CheckBudget = replayed, *budget
	out, err := run.Execute(cfg)
	if err != nil {
		return exitError, fmt.Errorf("%s: config: %w", filepath.Join(dir, "results.json"), err)
	}
	hash := out.HistorySHA256
	checked, err := out.Check(*budget)
	if err != nil {
		return exitError, err
	}
	out.AddResults(checked.Results)
	judgeLeaseReads(cfg, out.Clocks, checked.Results)
	valid := checked.Results.Valid()

	fmt.Fprintf(stdout, "SEED=%d\n", cfg.Seed)
	histPath := filepath.Join(dir, "history.jsonl")
	fileHash, err := results.HashFile(histPath)
	if err != nil {
		return exitError, err
	}
	same := hash == fileHash && hash == stored.HistorySHA256
	// The trace is every message, fault and fsync: the same history with
	// a different trace is a run that did other things on the way.
	traceHash, sameTrace := "", true
	if out.World.Traced && stored.TraceSHA256 != "" {
		traceHash = out.World.TraceSHA256
		sameTrace = traceHash == stored.TraceSHA256
	}
	if !sameTrace {
		fmt.Fprintf(stdout, "replay differs: trace %s, results.json says %s\n", traceHash, stored.TraceSHA256)
		if same && valid == stored.Valid {
			return exitInvalid, nil
		}
	}
	if same && sameTrace && valid == stored.Valid {
		fmt.Fprintf(stdout, "replay identical: history %s, verdict %s\n", hash, verdictWord(valid))
		return exitValid, nil
	}
	// A wall-clock budget that ran out on one side and not the other is
	// the machine's doing, not a difference of the run: the same history
	// was checked, on a busier or an idler machine.
	if same && sameTrace && differsOnlyByBudget(stored.Checkers, checked.Results) {
		fmt.Fprintf(stdout, "replay identical: history %s, verdict %s (stored %s: the only difference is a linearizability budget that ran out on one machine, which says nothing of the run)\n",
			hash, verdictWord(valid), verdictWord(stored.Valid))
		return exitValid, nil
	}
	if !same {
		where, err := firstDifference(histPath, replayed.Name())
		if err != nil {
			return exitError, err
		}
		fmt.Fprintf(stdout, "replay differs: history %s, %s holds %s, results.json says %s; %s\n", hash, histPath, fileHash, stored.HistorySHA256, where)
	}
	if valid != stored.Valid {
		fmt.Fprintf(stdout, "replay differs: verdict %s, stored %s\n", verdictWord(valid), verdictWord(stored.Valid))
	}
	return exitInvalid, nil
}

// firstDifference names the first line where the stored history file and
// the replayed history differ.
func firstDifference(path, replayedPath string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	r, err := os.Open(replayedPath)
	if err != nil {
		return "", err
	}
	defer r.Close()
	stored := bufio.NewScanner(f)
	stored.Buffer(make([]byte, 0, 64<<10), 64<<20)
	again := bufio.NewScanner(r)
	again.Buffer(make([]byte, 0, 64<<10), 64<<20)
	for line := 1; ; line++ {
		a, b := stored.Scan(), again.Scan()
		switch {
		case !a && !b:
			return "the histories differ only in their bytes' hash", nil
		case !a:
			return fmt.Sprintf("%s ends at line %d, the replay goes on: %s", path, line, again.Text()), nil
		case !b:
			return fmt.Sprintf("the replay ends at line %d, %s goes on: %s", line, path, stored.Text()), nil
		case stored.Text() != again.Text():
			return fmt.Sprintf("first difference at %s:%d: stored %s, replayed %s", path, line, stored.Text(), again.Text()), nil
		}
	}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// differsOnlyByBudget reports whether two runs' verdicts agree for every
// checker but linearizable, and linearizable's differ only because its
// wall-clock budget ran out on one side.
func differsOnlyByBudget(stored, again checker.Results) bool {
	names := map[string]bool{}
	for n := range stored {
		names[n] = true
	}
	for n := range again {
		names[n] = true
	}
	budget := false
	for n := range names {
		a, inA := stored[n]
		b, inB := again[n]
		switch {
		case inA && inB && a.Valid == b.Valid:
		case n == "linearizable" && inA && inB && ((a.Valid == checker.Unknown && a.BudgetExhausted) || (b.Valid == checker.Unknown && b.BudgetExhausted)):
			budget = true
		default:
			return false
		}
	}
	return budget
}
