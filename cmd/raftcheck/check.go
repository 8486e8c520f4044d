package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"raftcheck/checker"
	"raftcheck/workloads"
)

// runCheck checks a history file written by anyone: our JSON Lines or a
// Jepsen history.edn.
func runCheck(args []string, stdout io.Writer) (int, error) {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	model := fs.String("model", "register", "register (cas-register), counter, set or list-append")
	format := fs.String("format", "jsonl", "jsonl or jepsen-edn")
	budget := fs.Duration("budget", time.Minute, "wall-clock budget of the linearizability check (exhausted: unknown)")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return exitError, err
	}
	if len(files) != 1 {
		return exitError, usagef("want exactly one history file, got %d", len(files))
	}
	if *budget <= 0 {
		return exitError, usagef("--budget must be positive, got %v", *budget)
	}
	path := files[0]
	f, err := os.Open(path)
	if err != nil {
		return exitError, err
	}
	defer f.Close()
	var h checker.History
	switch *format {
	case "jsonl":
		h, err = checker.ReadJSONL(f, path)
	case "jepsen-edn", "edn":
		h, err = checker.ReadJepsenEDN(f, path)
	default:
		return exitError, usagef("--format must be jsonl or jepsen-edn, got %q", *format)
	}
	if err != nil {
		return exitError, err
	}
	checked, err := workloads.CheckModel(h, *model, *budget)
	if err != nil {
		return exitError, usagef("%v", err)
	}
	valid := checked.Results.Valid()
	fmt.Fprintf(stdout, "%s: %s\n", path, verdictWord(valid))
	names := make([]string, 0, len(checked.Results))
	for n := range checked.Results {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		r := checked.Results[n]
		fmt.Fprintf(stdout, "  %-14s %-7s %s\n", n, r.Valid, r.Summary)
	}
	return valid.ExitCode(), nil
}
