package main

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"raftcheck/checker"
	"raftcheck/harness"
	"raftcheck/harness/kv"
	"raftcheck/harness/run"
	"raftcheck/nemesis"
	"raftcheck/results"
	"raftcheck/workloads"
)

type stored struct {
	valid   checker.Validity
	summary string
	dir     string
	report  string
}

// executeAndStore runs the test, checks its history, and writes the run
// directory: history.jsonl, raft.jsonl, linearizability.html, results.json,
// report.html, and trace.txt when the run did not pass or --trace asks,
// all or nothing; then the store's index.
func executeAndStore(f *runFlags) (*stored, error) {
	cr, err := executeAndCheck(f)
	if err != nil {
		return nil, err
	}
	return storeRun(f, f.store, cr)
}

// checkedRun is a run and its checks, in memory.
type checkedRun struct {
	started time.Time
	// took is the wall time of the run and its checks.
	took    time.Duration
	out     *run.Outcome
	checked *workloads.Checked
}

// executeAndCheck runs the test and checks its history, in memory.
func executeAndCheck(f *runFlags) (*checkedRun, error) {
	started := time.Now()
	out, err := run.Execute(f.cfg)
	if err != nil {
		return nil, err
	}
	return checkOutcome(f, started, out)
}

// checkOutcome checks a run's history, in memory.
func checkOutcome(f *runFlags, started time.Time, out *run.Outcome) (*checkedRun, error) {
	checked, err := workloads.CheckWitnessed(out.History, f.cfg.Workload, f.budget, out.Witness)
	if err != nil {
		return nil, err
	}
	out.AddResults(checked.Results)
	judgeLeaseReads(f.cfg, out.Clocks, checked.Results)
	return &checkedRun{started: started, took: time.Since(started), out: out, checked: checked}, nil
}

// storeRun writes a checked run into the store at root, and rewrites the
// store's index.
func storeRun(f *runFlags, root string, cr *checkedRun) (*stored, error) {
	started, out, checked := cr.started, cr.out, cr.checked
	storing := time.Now()
	store := &results.Store{Root: root}
	dir, err := store.Begin(f.testName(), f.cfg.Seed, started)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			dir.Abort()
		}
	}()
	histHash, err := dir.Create(results.FileHistory, func(w io.Writer) error { return checker.WriteJSONL(w, out.History) })
	if err != nil {
		return nil, err
	}
	traceHash, traceWritten, err := storeTrace(f, dir, cr)
	if err != nil {
		return nil, err
	}
	samples := out.Raft
	if _, err := dir.Create(results.FileRaft, func(w io.Writer) error { return results.WriteRaftJSONL(w, samples) }); err != nil {
		return nil, err
	}
	faultsRaw := results.Raw(out.Faults)
	faults, err := results.DecodeFaults(faultsRaw)
	if err != nil {
		return nil, err
	}
	ann := results.Annotations(faults, samples, int64(out.SimTime))
	if _, err := dir.Create(results.FileLinearizability, func(w io.Writer) error {
		return checked.Linearizability.Visualize(w, ann)
	}); err != nil {
		return nil, err
	}
	r := &results.Run{
		Valid:         checked.Results.Valid(),
		Test:          f.testName(),
		Seed:          f.cfg.Seed,
		Config:        results.Raw(f.cfg),
		Checkers:      checked.Results,
		HistorySHA256: histHash,
		TraceSHA256:   traceHash,
		Ops:           countOps(out.History),
		SimSeconds:    out.SimTime.Seconds(),
		Replay:        replayLine(f, dir.Path()),
		Started:       started.UTC(),
		Faults:        faultsRaw,
		FaultWorld:    results.Raw(faultWorld{Swarm: f.cfg.Swarm, Nemesis: f.cfg.Nemesis, TornWrites: f.cfg.Disk.Torn.Float()}),
		Clocks:        results.Raw(out.Clocks),
		Coverage:      out.Coverage,
		Network:       results.Raw(out.Cluster.World.NetworkCounters()),
		Disks:         results.Raw(diskCounters(out.Cluster.World)),
	}
	if len(out.FaultsSkipped) > 0 {
		r.FaultsSkipped = results.Raw(out.FaultsSkipped)
	}
	// The run, its checks and writing it: not the time it may have waited
	// in between (a shrink stores its smallest run after further tries).
	r.WallSeconds = (cr.took + time.Since(storing)).Seconds()
	if err := dir.WriteJSON(results.FileResults, r); err != nil {
		return nil, err
	}
	report := results.Report{Run: r, History: out.History, Raft: samples, Linearizability: checked.Linearizability, Trace: traceWritten}
	if _, err := dir.Create(results.FileReport, func(w io.Writer) error { return results.WriteReport(w, report) }); err != nil {
		return nil, err
	}
	if err := dir.Commit(); err != nil {
		return nil, err
	}
	ok = true
	// The run is in place; the index lists it. An index that cannot be
	// written is an error of the store, reported as such, though the run
	// itself is complete.
	if err := results.WriteIndex(root); err != nil {
		return nil, fmt.Errorf("run stored in %s, but %w", dir.Path(), err)
	}
	return &stored{valid: r.Valid, summary: summarize(checked.Results), dir: dir.Path(), report: filepath.Join(dir.Path(), results.FileReport)}, nil
}

// countOps is the number of client operations in the history, as
// results.json's ops and the shrinker count them: checker's pairing.
func countOps(h checker.History) int { return len(h.Operations()) }

func diskCounters(w *harness.World) map[string]harness.DiskCounters {
	out := map[string]harness.DiskCounters{}
	for a := 0; a < w.Endpoints(); a++ {
		if d := w.Disk(harness.Addr(a)); d != nil {
			out[w.Name(harness.Addr(a))] = d.Counters()
		}
	}
	return out
}

// summarize names the checkers that did not pass, or says all passed.
func summarize(rs checker.Results) string {
	var bad []string
	for name, r := range rs {
		if r.Valid != checker.Valid {
			bad = append(bad, name+"="+r.Valid.String()+": "+r.Summary)
		}
	}
	if len(bad) == 0 {
		return "every checker passed"
	}
	sort.Strings(bad)
	return strings.Join(bad, "; ")
}

func verdictWord(v checker.Validity) string {
	switch v {
	case checker.Valid:
		return "valid"
	case checker.Invalid:
		return "invalid"
	}
	return "unknown"
}

// faultWorld is the fault world of a run as results.json and the report
// show it: drawn by swarm mode or given by flags.
type faultWorld struct {
	Swarm      bool           `json:"swarm"`
	Nemesis    nemesis.Config `json:"nemesis"`
	TornWrites float64        `json:"torn_writes"`
}

// judgeLeaseReads keeps the verdict honest about what lease reads promise:
// linearizability only while clocks drift within the configured bound. When
// a clock fault broke the bound in a lease-read run, a linearizability
// failure is not a bug in the Raft but the lease's assumption failing, so it
// is reported as unknown, with the reason, instead of invalid.
func judgeLeaseReads(cfg run.Config, clocks run.ClockBound, rs checker.Results) {
	if cfg.Server.ReadMode != kv.ReadLease || !clocks.Exceeded {
		return
	}
	// Every checker that judges what reads returned may be seeing the same
	// stale lease read: Porcupine, and the counter, set and list-append
	// checkers. The Raft invariants and liveness do not depend on reads.
	for _, name := range []string{"linearizable", "counter", "set", "list-append", "read-freshness", "lease-safety"} {
		r, ok := rs[name]
		if !ok || r.Valid != checker.Invalid {
			continue
		}
		r.Valid = checker.Unknown
		r.Summary = "not judged: lease reads are linearizable only while clocks stay within the drift bound, and " + clocks.Reason + "; found: " + r.Summary
		rs[name] = r
	}
}

// replayLine is the command that reproduces a run. A swarm run whose drawn
// fault world was changed (by shrinking) cannot be written as flags, since
// --nemesis swarm would draw the whole world again: it is replayed from its
// results.json instead.
func replayLine(f *runFlags, dir string) string {
	if !f.cfg.SwarmAsDrawn() {
		return "raftcheck replay " + dir
	}
	return f.replay()
}

// storeTrace writes the run's full trace into dir when the run did not
// pass or --trace asks for it, and returns the trace's hash for
// results.json, and whether it wrote the file.
//
// The trace is hashed as the run goes and not kept (harness.Trace), so its
// text is had by running the seed again with the file as the trace's sink:
// the simulation reproduces a run byte for byte, and the second run is
// also a check of that. If its history or its trace hash differ from the
// first run's, the run's results gain a failing "determinism" checker,
// and the trace written is the second run's.
func storeTrace(f *runFlags, dir *results.RunDir, cr *checkedRun) (string, bool, error) {
	first := cr.out.Cluster.World.Trace()
	var hash string
	if first.On() {
		hash = first.SHA256()
	}
	if !f.keepTrace && cr.checked.Results.Valid() == checker.Valid {
		return hash, false, nil
	}
	var again *run.Outcome
	written, err := dir.Create(results.FileTrace, func(w io.Writer) error {
		cfg := f.cfg
		cfg.Trace, cfg.TraceTo = true, w
		var err error
		if again, err = run.Execute(cfg); err != nil {
			return err
		}
		return again.Cluster.World.Trace().Flush()
	})
	if err != nil {
		return "", false, err
	}
	same, err := sameHistory(cr.out, again)
	if err != nil {
		return "", false, err
	}
	if same.Valid == checker.Valid && hash != "" && hash != written {
		same = checker.Result{Valid: checker.Invalid, Summary: fmt.Sprintf(
			"the same seed ran twice gave the same history but two traces (sha256 %.12s and %.12s): the nodes or the harness depend on something the seed does not control, such as map iteration order; trace.txt is the second run's",
			hash, written)}
	}
	if same.Valid != checker.Valid {
		cr.checked.Results["determinism"] = same
	}
	return written, true, nil
}
