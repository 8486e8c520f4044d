package main

import (
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
// directory: history.jsonl, trace.txt, linearizability.html, results.json
// and report.html, all or nothing.
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
	checked, err := workloads.Check(out.History, f.cfg.Workload, f.budget)
	if err != nil {
		return nil, err
	}
	checked.Results["raft-invariants"] = out.Invariants
	checked.Results["liveness"] = out.Liveness
	judgeLeaseReads(f.cfg, out.Clocks, checked.Results)
	return &checkedRun{started: started, out: out, checked: checked}, nil
}

// storeRun writes a checked run into the store at root.
func storeRun(f *runFlags, root string, cr *checkedRun) (*stored, error) {
	started, out, checked := cr.started, cr.out, cr.checked
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
	histHash, err := dir.Create("history.jsonl", func(w io.Writer) error { return checker.WriteJSONL(w, out.History) })
	if err != nil {
		return nil, err
	}
	traceHash, err := dir.Create("trace.txt", func(w io.Writer) error {
		_, err := out.Cluster.World.Trace().WriteTo(w)
		return err
	})
	if err != nil {
		return nil, err
	}
	const linName = "linearizability.html"
	if _, err := dir.Create(linName, func(w io.Writer) error {
		return checked.Linearizability.Visualize(w, annotations(out))
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
		Replay:        f.replay(),
		Started:       started.UTC(),
		Faults:        results.Raw(out.Faults),
		FaultWorld:    results.Raw(faultWorld{Swarm: f.cfg.Swarm, Nemesis: f.cfg.Nemesis, TornWrites: f.cfg.Disk.Torn.Float()}),
		Clocks:        results.Raw(out.Clocks),
		Network:       results.Raw(out.Cluster.World.NetworkCounters()),
		Disks:         results.Raw(diskCounters(out.Cluster.World)),
	}
	r.WallSeconds = time.Since(started).Seconds()
	if err := dir.WriteJSON("results.json", r); err != nil {
		return nil, err
	}
	if _, err := dir.Create("report.html", func(w io.Writer) error { return results.WriteReport(w, r, linName) }); err != nil {
		return nil, err
	}
	if err := dir.Commit(); err != nil {
		return nil, err
	}
	ok = true
	return &stored{valid: r.Valid, summary: summarize(checked.Results), dir: dir.Path(), report: filepath.Join(dir.Path(), "report.html")}, nil
}

// annotations lay the nemesis's faults over Porcupine's visualization.
func annotations(out *run.Outcome) []checker.Annotation {
	var as []checker.Annotation
	for _, f := range out.Faults {
		end := f.End
		if end == 0 {
			end = out.SimTime
		}
		as = append(as, checker.Annotation{Tag: "nemesis", Start: int64(f.Start), End: int64(end), Description: f.Kind + " " + f.Description, Color: "#f4cccc"})
	}
	return as
}

func countOps(h checker.History) int {
	n := 0
	for _, e := range h {
		if e.Type == checker.Invoke && e.Process != checker.Nemesis {
			n++
		}
	}
	return n
}

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
	lin, ok := rs["linearizable"]
	if !ok || lin.Valid != checker.Invalid {
		return
	}
	lin.Valid = checker.Unknown
	lin.Summary = "not judged: lease reads are linearizable only while clocks stay within the drift bound, and " + clocks.Reason + "; Porcupine found: " + lin.Summary
	rs["linearizable"] = lin
}
