package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"raftcheck/checker"
	"raftcheck/workloads"
)

// seedFlag runs exactly one seed: go test ./cmd/raftcheck -run TestSeeds -args -seed 7.
var seedFlag = flag.Uint64("seed", 0, "run TestSeeds on exactly this seed")

// testSeeds are the seeds TestSeeds runs: RAFTCHECK_SEED=N (or -seed N)
// runs exactly N, RAFTCHECK_SEEDS=N runs seeds 1..N, and by default a fixed
// set of eight runs in make test.
func testSeeds(t *testing.T) []uint64 {
	t.Helper()
	if *seedFlag != 0 {
		return []uint64{*seedFlag}
	}
	if s := os.Getenv("RAFTCHECK_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n == 0 {
			t.Fatalf("RAFTCHECK_SEED=%q: want a positive integer", s)
		}
		return []uint64{n}
	}
	count := uint64(8)
	if s := os.Getenv("RAFTCHECK_SEEDS"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n == 0 {
			t.Fatalf("RAFTCHECK_SEEDS=%q: want a positive integer", s)
		}
		count = n
	}
	seeds := make([]uint64, count)
	for i := range seeds {
		seeds[i] = uint64(i + 1)
	}
	return seeds
}

// TestSeeds is the end-to-end simulation test of go test: each seed runs
// one whole test in swarm mode (the seed draws its faults), on a workload
// that rotates with the seed, and must be valid. RAFTCHECK_ARGS adds run
// flags (e.g. "--read-mode local --nemesis partition"). A failing seed
// fails its own subtest with one line: the seed, the verdict, the report,
// and the commands that reproduce it.
func TestSeeds(t *testing.T) {
	names := workloads.Names()
	for _, seed := range testSeeds(t) {
		seed := seed
		workload := names[seed%uint64(len(names))]
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			args := []string{"--seed", strconv.FormatUint(seed, 10), "--time", "10s", "--workload", workload, "--nemesis", "swarm"}
			extra := strings.Fields(os.Getenv("RAFTCHECK_ARGS"))
			args = append(args, extra...)
			f := newRunFlags("run")
			if err := f.parse(args); err != nil {
				t.Fatal(err)
			}
			cr, err := executeAndCheck(f)
			if err != nil {
				t.Fatal(err)
			}
			valid := cr.checked.Results.Valid()
			if valid == checker.Valid {
				return
			}
			// Keep the failing run where the user can open it.
			dir, err := os.MkdirTemp("", "raftcheck-seed-")
			if err != nil {
				t.Fatal(err)
			}
			st, err := storeRun(f, dir, cr)
			if err != nil {
				t.Fatal(err)
			}
			env := ""
			if len(extra) > 0 {
				env = fmt.Sprintf("RAFTCHECK_ARGS=%q ", strings.Join(extra, " "))
			}
			t.Errorf("seed=%d verdict=%s report=%s reproduce: %sRAFTCHECK_SEED=%d go test ./cmd/raftcheck -run TestSeeds  |  %s  (%s)",
				seed, verdictWord(valid), st.report, env, seed, f.replay(), strings.ReplaceAll(st.summary, "\n", " "))
		})
	}
}
