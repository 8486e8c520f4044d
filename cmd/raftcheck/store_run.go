package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"raftcheck/checker"
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
// all or nothing; then the store's index. The run directory is begun
// first, so that the history streams into it as the run records it: a
// long run keeps only the keys in use in memory (run.Outcome.Evicted).
func executeAndStore(f *runFlags) (*stored, error) {
	started := time.Now()
	store := &results.Store{Root: f.store}
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
	hist, err := os.Create(filepath.Join(dir.WorkPath(), results.FileHistory))
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	cfg := f.cfg
	cfg.HistoryTo = hist
	out, err := run.Execute(cfg)
	if cerr := hist.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("store: writing %s: %w", results.FileHistory, cerr)
	}
	if err != nil {
		return nil, err
	}
	cr, err := checkOutcome(f, started, out)
	if err != nil {
		return nil, err
	}
	st, err := storeRunIn(f, f.store, dir, cr)
	ok = err == nil
	return st, err
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
	// The checks and the store need nothing of the cluster itself.
	out.Release()
	checked, err := out.Check(f.budget)
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
	store := &results.Store{Root: root}
	dir, err := store.Begin(f.testName(), f.cfg.Seed, cr.started)
	if err != nil {
		return nil, err
	}
	st, err := storeRunIn(f, root, dir, cr)
	if err != nil {
		dir.Abort()
	}
	return st, err
}

// storeRunIn writes a checked run into dir, begun in the store at root
// (and holding history.jsonl already if the run streamed it there), moves
// it into place, and rewrites the store's index. The caller aborts dir on
// an error.
func storeRunIn(f *runFlags, root string, dir *results.RunDir, cr *checkedRun) (*stored, error) {
	started, out, checked := cr.started, cr.out, cr.checked
	storing := time.Now()
	histHash, traceHash, traceWritten, err := storeStreams(f, dir, cr)
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
		Ops:           runOps(out),
		SimSeconds:    out.SimTime.Seconds(),
		Replay:        replayLine(f, dir.Path()),
		Started:       started.UTC(),
		Faults:        faultsRaw,
		FaultWorld:    results.Raw(faultWorld{Swarm: f.cfg.Swarm, Nemesis: f.cfg.Nemesis, TornWrites: f.cfg.Disk.Torn.Float()}),
		Clocks:        results.Raw(out.Clocks),
		Coverage:      out.Coverage,
		Network:       results.Raw(out.World.Network),
		Disks:         results.Raw(out.World.Disks),
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

// runOps is a run's operations: those in its history in memory and those
// of the keys it evicted.
func runOps(out *run.Outcome) int { return countOps(out.History) + out.Evicted.Operations() }

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

// storeStreams writes what the run did not keep in memory and returns
// the hashes for results.json: the history (already in dir if the run
// streamed it there; written from memory if the run kept it whole), and
// the full trace, when the run did not pass or --trace asks for it.
//
// The trace is hashed as the run goes and not kept (harness.Trace), and a
// long run evicts the events of keys it has checked (run.Outcome.Evicted),
// so what is missing is had by running the seed again with files as
// sinks: the simulation reproduces a run byte for byte, and the second run
// is also a check of that. If its history or its trace hash differ from
// the first run's, the run's results gain a failing "determinism"
// checker, and the files the second run wrote (trace.txt, and
// history.jsonl if the first run had not written it) are its own.
//
// A second run that fails only for the trace's sake (it outgrew
// --max-memory, say, beside the first run's history and checks) does not
// lose the run: it is stored without trace.txt, and its results say why.
func storeStreams(f *runFlags, dir *results.RunDir, cr *checkedRun) (histHash, traceHash string, traceWritten bool, err error) {
	out := cr.out
	traceHash = out.World.TraceSHA256
	histHash = out.HistorySHA256
	needHistory := histHash == ""
	if needHistory && out.Whole() {
		if histHash, err = dir.Create(results.FileHistory, func(w io.Writer) error { return checker.WriteJSONL(w, out.History) }); err != nil {
			return "", "", false, err
		}
		needHistory = false
	}
	needTrace := f.keepTrace || cr.checked.Results.Valid() != checker.Valid
	if !needTrace && !needHistory {
		return histHash, traceHash, false, nil
	}
	cfg := f.cfg
	var files []*os.File
	open := func(name string) (*os.File, error) {
		fh, err := os.Create(filepath.Join(dir.WorkPath(), name))
		if err == nil {
			files = append(files, fh)
		}
		return fh, err
	}
	defer func() {
		for _, fh := range files {
			if cerr := fh.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("store: %w", cerr)
			}
		}
	}()
	if needTrace {
		fh, err := open(results.FileTrace)
		if err != nil {
			return "", "", false, fmt.Errorf("store: %w", err)
		}
		cfg.Trace, cfg.TraceTo = true, fh
	}
	if needHistory {
		fh, err := open(results.FileHistory)
		if err != nil {
			return "", "", false, fmt.Errorf("store: %w", err)
		}
		cfg.HistoryTo = fh
	}
	again, err := run.Execute(cfg)
	if err != nil && !needHistory {
		for _, fh := range files {
			_ = fh.Close()
			_ = os.Remove(fh.Name())
		}
		files = nil
		cr.checked.Results["determinism"] = checker.Result{Valid: checker.Valid, Summary: "not rechecked: the seed run again for its trace stopped (" + err.Error() + "), so the run is stored without trace.txt"}
		return histHash, traceHash, false, nil
	}
	if err != nil {
		return "", "", false, err
	}
	same, err := sameHistory(out, again)
	if err != nil {
		return "", "", false, err
	}
	if needHistory {
		histHash = again.HistorySHA256
	} else if again.HistorySHA256 != "" && again.HistorySHA256 != histHash && same.Valid == checker.Valid {
		same = checker.Result{Valid: checker.Invalid, Summary: fmt.Sprintf(
			"the same seed ran twice gave two histories (sha256 %.12s and %.12s): the system or the harness depends on something the seed does not control, such as map iteration order",
			histHash, again.HistorySHA256)}
	}
	if needTrace {
		if err := again.Cluster.World.Trace().Flush(); err != nil {
			return "", "", false, fmt.Errorf("store: writing %s: %w", results.FileTrace, err)
		}
		written := again.World.TraceSHA256
		if same.Valid == checker.Valid && traceHash != "" && traceHash != written {
			same = checker.Result{Valid: checker.Invalid, Summary: fmt.Sprintf(
				"the same seed ran twice gave the same history but two traces (sha256 %.12s and %.12s): the nodes or the harness depend on something the seed does not control, such as map iteration order; trace.txt is the second run's",
				traceHash, written)}
		}
		traceHash, traceWritten = written, true
	}
	if same.Valid != checker.Valid {
		cr.checked.Results["determinism"] = same
	}
	return histHash, traceHash, traceWritten, nil
}
