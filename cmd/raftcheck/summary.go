package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"raftcheck/checker"
)

// summaryFile is the name of a soak's summary in its output directory.
const summaryFile = "summary.json"

// soakSummary is a soak's record of every seed's verdict: the one file a
// shard hands back, and what summarize merges.
type soakSummary struct {
	Command     string    `json:"command"`
	Shard       string    `json:"shard"`
	Started     time.Time `json:"started"`
	WallSeconds float64   `json:"wall_seconds"`
	Runs        int       `json:"runs"`
	Failures    int       `json:"failures"`
	// Undecided counts the seeds whose only unknown is a wall-clock
	// budget that ran out (checker.Results.UndecidedByBudget): they are
	// not failures of the system, and are not among Failures.
	Undecided int              `json:"undecided,omitempty"`
	Valid     checker.Validity `json:"valid"`
	Seeds     []seedVerdict    `json:"seeds"`
	// HeapMB are the live heap after the first and after the last hundred
	// runs: a long soak's memory must stay flat.
	HeapMB []float64 `json:"heap_mb,omitempty"`
	// CoveragePoints are the distinct Raft behaviours the soak reached
	// (run.Outcome.Coverage), and Coverage when each new one was first
	// reached: coverage over runs and time.
	CoveragePoints int              `json:"coverage_points"`
	Coverage       []coverageSample `json:"coverage,omitempty"`
}

// coverageSample is the coverage a soak had reached after some runs.
type coverageSample struct {
	Runs        int     `json:"runs"`
	Points      int     `json:"points"`
	WallSeconds float64 `json:"wall_seconds"`
}

// seedVerdict is one seed's outcome.
type seedVerdict struct {
	Seed    uint64           `json:"seed"`
	Valid   checker.Validity `json:"valid"`
	Summary string           `json:"summary,omitempty"`
	// Dir is the run directory, kept for failing seeds only, and Shrunk
	// the smallest run found that fails the same way.
	Dir    string `json:"dir,omitempty"`
	Shrunk string `json:"shrunk,omitempty"`
	// Mutant says a guided soak built the run from its corpus.
	Mutant bool `json:"mutant,omitempty"`
	// Undecided says the seed's only unknown is a budget that ran out.
	Undecided bool `json:"undecided,omitempty"`
	// points are the coverage points known after the run.
	points int
}

func writeSummary(dir string, s *soakSummary) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(dir, summaryFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, summaryFile))
}

// readSummary reads a summary from a directory holding summary.json, or
// from the file itself.
func readSummary(path string) (*soakSummary, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, summaryFile)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s soakSummary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if s.Seeds == nil && s.Runs > 0 {
		return nil, fmt.Errorf("%s: field seeds: missing", path)
	}
	return &s, nil
}

// sortSeeds orders verdicts by seed.
func sortSeeds(vs []seedVerdict) {
	sort.Slice(vs, func(i, j int) bool { return vs[i].Seed < vs[j].Seed })
}
