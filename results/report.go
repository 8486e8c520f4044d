package results

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"sync"

	"raftcheck/checker"
)

// The files of a run directory (DESIGN §6), which the report and the index
// link to.
const (
	FileResults         = "results.json"
	FileHistory         = "history.jsonl"
	FileTrace           = "trace.txt"
	FileRaft            = "raft.jsonl"
	FileReport          = "report.html"
	FileLinearizability = "linearizability.html"
)

//go:embed templates/report.html.tmpl templates/index.html.tmpl templates/report.css templates/report.js
var assets embed.FS

// The templates and assets are parsed once, on first use, so that a
// command that writes no page (check, summarize) pays nothing for them at
// start-up; a missing or broken one is a build mistake that every test of
// a page sees, so Must is right here.
var (
	reportTemplate = sync.OnceValue(func() *template.Template {
		return template.Must(template.New("report.html.tmpl").Funcs(funcs).ParseFS(assets, "templates/report.html.tmpl"))
	})
	indexTemplate = sync.OnceValue(func() *template.Template {
		return template.Must(template.New("index.html.tmpl").Funcs(funcs).ParseFS(assets, "templates/index.html.tmpl"))
	})
	reportCSS = sync.OnceValue(func() template.CSS { return template.CSS(mustRead("templates/report.css")) })
	reportJS  = sync.OnceValue(func() template.JS { return template.JS(mustRead("templates/report.js")) })
)

var funcs = template.FuncMap{"commas": commas}

func mustRead(name string) string {
	b, err := assets.ReadFile(name)
	if err != nil {
		panic(fmt.Sprintf("results: embedded %s: %v", name, err))
	}
	return string(b)
}

// Report is what a run's report.html is made of.
type Report struct {
	Run *Run
	// History is the run's history; nil draws no timeline, latency or
	// history table.
	History checker.History
	// Raft samples each node's role, term and commit index over time.
	Raft []checker.RaftSample
	// Linearizability is the linearizability check, for Porcupine's view
	// embedded in the page; nil embeds none (linearizability.html beside
	// the report is linked instead).
	Linearizability *checker.Linearizability
	// Outside marks a history written elsewhere and checked by
	// `raftcheck check`: no seed, no simulation, and no Raft, faults or
	// world to show, so the page leaves those sections out.
	Outside bool
	// Trace says the run directory holds trace.txt, which is written only
	// for a run that did not pass or when asked (--trace).
	Trace bool
}

// reportPage is what the template draws.
type reportPage struct {
	Run               *Run
	Outside           bool
	Trace             bool
	Verdict, Class    string
	Failed, Undecided []string
	Started           string
	SimEnd            string
	FirstIllegal      *illegalView
	Checkers          []checkerView
	Porcupine         *porcupineView
	Timeline          chart
	Latency           chart
	Throughput        chart
	Leaders, Commit   chart
	Terms             table
	// Membership lists configuration changes and snapshot installs.
	Membership         table
	History            historyView
	Config, FaultWorld []fact
	ConfigNote         string
	Clocks, Network    []fact
	Disks              table
	Faults             table
	CSS                template.CSS
	JS                 template.JS
}

// illegalView is the first operation the linearizability checker could
// not linearize, as the banner and the checker's section point at it.
type illegalView struct {
	Key, Op, F, Value, Process string
	Invoke, Complete           cell
	When                       string
	Linearized, Ops            int
	State                      string
	Info                       bool
	InTimeline                 bool
}

// WriteReport writes a run's report.html: one self-contained page (styles
// and script inlined, Porcupine's view in an iframe's srcdoc, charts as
// inline SVG) that opens from disk with no network. It shows the verdict
// and the replay command; each checker's result with its details; for an
// invalid run, links to the first illegal operation; Porcupine's view with
// the faults laid over it; the operations per process over time; latency
// and throughput; who led in which term and each node's commit index; the
// history; the configuration, the fault world and the world's counters.
// Large histories are cut down to what a browser draws quickly, and the
// page says what was left out.
//
// Every value from the history, the configuration or the faults is
// escaped: by html/template, or, in the charts, as the SVG is written.
func WriteReport(w io.Writer, rep Report) error {
	r := rep.Run
	if r == nil {
		return fmt.Errorf("report: no run")
	}
	faults, err := DecodeFaults(r.Faults)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	end := simEnd(r, rep.History)
	p := &reportPage{
		Run:     r,
		Verdict: verdictWord(r.Valid.String()),
		Class:   verdictWord(r.Valid.String()),
		SimEnd:  dur(end),
		Outside: rep.Outside,
		Trace:   rep.Trace,
		CSS:     reportCSS(),
		JS:      reportJS(),
	}
	if !r.Started.IsZero() {
		p.Started = r.Started.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	for _, n := range sortedCheckers(r.Checkers) {
		switch r.Checkers[n].Valid {
		case checker.Invalid:
			p.Failed = append(p.Failed, n)
		case checker.Unknown:
			p.Undecided = append(p.Undecided, n)
		}
	}
	d := decodeDetails(r.Checkers)
	var firstFocus []int
	fail, illegal := d.firstIllegal()
	if illegal != nil {
		firstFocus = []int{illegal.Invoke}
		if illegal.Complete >= 0 {
			firstFocus = append(firstFocus, illegal.Complete)
		}
	}
	var a anchors
	p.History, a = historyTable(rep.History, withFocusFirst(firstFocus, d.focus()))
	p.Checkers = checkerViews(r.Checkers, d, a)
	ops := rep.History.Operations()
	timelineFocus := map[int]bool{}
	if illegal != nil {
		p.FirstIllegal = newIllegalView(fail, illegal, a)
		timelineFocus[illegal.Invoke] = true
		for i := range ops {
			if ops[i].Invocation.Index == illegal.Invoke {
				p.FirstIllegal.InTimeline = true
			}
		}
	}
	p.Porcupine = newPorcupineView(rep.Linearizability, d.lin, rep.History, Annotations(faults, rep.Raft, end))
	p.Timeline = timelineChart(ops, faults, end, timelineFocus)
	p.Latency = latencyChart(ops, faults, end)
	p.Throughput = throughputChart(ops, faults, end)
	p.Leaders, p.Terms = leadersChart(rep.Raft, faults, end)
	p.Commit = commitChart(rep.Raft, faults, end)
	p.Membership = membershipTable(rep.Raft)
	p.Config, p.ConfigNote = facts(r.Config)
	p.FaultWorld, _ = facts(r.FaultWorld)
	p.Clocks, _ = facts(r.Clocks)
	p.Network, _ = facts(r.Network)
	if t, ok := matrix("disks-table", r.Disks, "node"); ok {
		p.Disks = t
	} else if fs, _ := facts(r.Disks); len(fs) > 0 {
		p.Disks = factsTable("disks-table", fs)
	}
	p.Faults = faultsTable(faults, end)
	return reportTemplate().Execute(w, p)
}

func newIllegalView(f *checker.LinearizationFailure, op *checker.IllegalOp, a anchors) *illegalView {
	v := &illegalView{
		Key: f.Key, Op: op.Op, F: op.F, Value: shortValue(op.Value, maxValueText), Process: op.Process.String(),
		Invoke: a.event(op.Invoke), Complete: a.event(op.Complete),
		Linearized: f.Linearized, Ops: f.Ops, State: f.State, Info: op.Info,
	}
	v.When = dur(op.InvokeTime) + "–"
	if op.Complete >= 0 {
		v.When += dur(op.CompleteTime)
	} else {
		v.When += "never completed"
	}
	return v
}

func factsTable(id string, fs []fact) table {
	t := table{ID: id, Head: []string{"", ""}}
	for _, f := range fs {
		t.Rows = append(t.Rows, []cell{{Text: f.K}, {Text: f.V}})
	}
	return t
}

// maxFaultRows bounds the faults table.
const maxFaultRows = 1000

func faultsTable(faults []Fault, end int64) table {
	t := table{ID: "faults-table", Head: []string{"#", "kind", "group", "from", "to", "for", "nodes", "what"}}
	for i, f := range faults {
		if i == maxFaultRows {
			t.Note = fmt.Sprintf("The first %d of %s faults are listed; results.json has them all.", maxFaultRows, commas(len(faults)))
			break
		}
		to := dur(f.endOr(end))
		if f.End <= 0 {
			to += " (still in force at the end)"
		}
		t.Rows = append(t.Rows, []cell{{Text: fmt.Sprint(i + 1)}, {Text: f.Kind}, {Text: f.Group, Class: "fault-cell " + groupClass(f.Group)}, {Text: dur(f.Start)}, {Text: to},
			{Text: dur(f.endOr(end) - f.Start)}, {Text: strings.Join(f.Nodes, " ")}, {Text: f.Description}})
	}
	return t
}

func verdictWord(v string) string {
	switch v {
	case "true":
		return "valid"
	case "false":
		return "invalid"
	}
	return "unknown"
}
