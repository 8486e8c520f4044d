package main

import (
	"flag"
	"fmt"
	"io"

	"raftcheck/checker"
)

// runSummarize merges the summaries of several soak shards into one table
// and one exit code: 0 if every seed was valid, 1 if any was invalid, 2 if
// any was unknown and none invalid.
func runSummarize(args []string, stdout io.Writer) (int, error) {
	fs := flag.NewFlagSet("summarize", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return exitError, flagError(fs, err)
	}
	if fs.NArg() == 0 {
		return exitError, usagef("want one or more soak output directories or summary files")
	}
	var all []seedVerdict
	runs, valid := 0, checker.Valid
	seen := map[uint64]string{}
	for _, path := range fs.Args() {
		s, err := readSummary(path)
		if err != nil {
			return exitError, err
		}
		for _, v := range s.Seeds {
			if other, dup := seen[v.Seed]; dup {
				return exitError, fmt.Errorf("seed %d is in both %s and %s: shards must not overlap", v.Seed, other, path)
			}
			seen[v.Seed] = path
			all = append(all, v)
			valid = checker.Merge(valid, v.Valid)
		}
		runs += s.Runs
		fmt.Fprintf(stdout, "%s: shard %s, %d runs, %d failures, %.0f s\n", path, s.Shard, s.Runs, s.Failures, s.WallSeconds)
	}
	sortSeeds(all)
	failures := 0
	fmt.Fprintf(stdout, "%-20s %-8s %s\n", "SEED", "VERDICT", "RUN DIRECTORY / SUMMARY")
	for _, v := range all {
		if v.Valid == checker.Valid {
			continue
		}
		failures++
		fmt.Fprintf(stdout, "%-20d %-8s %s  %s\n", v.Seed, verdictWord(v.Valid), v.Dir, v.Summary)
		if v.Shrunk != "" {
			fmt.Fprintf(stdout, "%-20s %-8s %s\n", "", "shrunk", v.Shrunk)
		}
	}
	fmt.Fprintf(stdout, "%d runs over %d summaries: %d valid, %d not; verdict %s\n", runs, fs.NArg(), len(all)-failures, failures, verdictWord(valid))
	return valid.ExitCode(), nil
}
