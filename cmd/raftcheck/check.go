package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"raftcheck/checker"
	"raftcheck/results"
	"raftcheck/workloads"
)

// checkOptions are `raftcheck check`'s flags, read and validated.
type checkOptions struct {
	path, format, model string
	// verdictFrom are the checkers whose verdicts set the exit code.
	verdictFrom []string
	semantics   workloads.ModelOptions
	budget      time.Duration
	reportDir   string
	// command is the command line, as the report shows it.
	command string
}

// runCheck checks a history file written by anyone: our JSON Lines or a
// Jepsen history.edn, or a Jepsen store directory holding one.
func runCheck(args []string, stdout io.Writer) (int, error) {
	o, err := parseCheckFlags(args)
	if err != nil {
		return exitError, err
	}
	path, format, err := historyFileIn(o.path, o.format)
	if err != nil {
		return exitError, err
	}
	started := time.Now()
	var h checker.History
	var checked *workloads.Checked
	if format == "jsonl" && o.reportDir == "" {
		// Key by key as the file is read: memory then depends on the keys
		// open at once, not on the history's length.
		checked, err = workloads.CheckModelByKey(scanJSONLFile(path), path, o.model, o.semantics, o.budget)
		if errors.Is(err, workloads.ErrNoEvents) {
			return exitError, fmt.Errorf("%s: no events", o.path)
		}
		if err != nil {
			return exitError, err
		}
	} else {
		if h, err = readHistory(path, format); err != nil {
			return exitError, err
		}
		if len(h) == 0 {
			// A file with no event at all is far likelier cut short or
			// the wrong file than a test that did nothing; a history of
			// nemesis events alone is checked (and has nothing illegal).
			return exitError, fmt.Errorf("%s: no events", o.path)
		}
		if checked, err = workloads.CheckModelWith(h, o.model, o.semantics, o.budget); err != nil {
			return exitError, usagef("%v", err)
		}
	}
	valid := checker.Valid
	for _, name := range o.verdictFrom {
		valid = checker.Merge(valid, checked.Results[name].Valid)
	}
	if o.reportDir != "" {
		if err := writeHistoryReport(o, h, checked, valid, time.Since(started), started); err != nil {
			return exitError, err
		}
	}
	fmt.Fprintf(stdout, "%s: %s\n", o.path, verdictWord(valid))
	for _, n := range sortedNames(checked.Results) {
		r := checked.Results[n]
		note := ""
		if !slices.Contains(o.verdictFrom, n) {
			note = " (informational)"
		}
		fmt.Fprintf(stdout, "  %-14s %-7s %s%s\n", n, r.Valid, r.Summary, note)
	}
	if o.reportDir != "" {
		fmt.Fprintf(stdout, "report: %s\n", filepath.Join(o.reportDir, "report.html"))
	}
	return valid.ExitCode(), nil
}

func parseCheckFlags(args []string) (checkOptions, error) {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	model := fs.String("model", "register", "register (cas-register), counter, set or list-append")
	format := fs.String("format", "auto", "jsonl, jepsen-edn (or edn), or auto: jepsen-edn for a .edn file, jsonl otherwise")
	budget := fs.Duration("budget", time.Minute, "wall-clock budget of the linearizability check; keys it leaves undecided get one more try with twice it, so a check takes at most three times it, or six for a JSON Lines history without --report, checked key by key as it is read (exhausted: unknown)")
	checkers := fs.String("checkers", "", "the checkers whose verdicts set the exit code, comma-separated (default: linearizable and the model's own checker; stats and perf are printed, and informational unless named)")
	initial := fs.String("initial", "nil", "register: what every register holds at the start, an integer or nil")
	nilRead := fs.String("nil-read", "absent", "register: what a read of nil means: absent (the register holds nothing) or any (the value was not seen, as in Knossos)")
	report := fs.String("report", "", "also write report.html and the Porcupine view of the history into this directory")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return checkOptions{}, err
	}
	if len(files) != 1 {
		return checkOptions{}, usagef("want exactly one history file, got %d", len(files))
	}
	if *budget <= 0 {
		return checkOptions{}, usagef("--budget must be positive, got %v", *budget)
	}
	if !slices.Contains(workloads.LinearizableModels(), *model) {
		return checkOptions{}, usagef("--model must be one of %s, got %q", strings.Join(workloads.LinearizableModels(), ", "), *model)
	}
	o := checkOptions{path: files[0], format: *format, model: *model, budget: *budget, reportDir: *report,
		command: strings.Join(append([]string{"raftcheck", "check"}, args...), " ")}
	register := *model == "register" || *model == "cas-register"
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !register && (set["initial"] || set["nil-read"]) {
		return checkOptions{}, usagef("--initial and --nil-read apply to the register model only, not %s", *model)
	}
	if o.semantics.Register.Initial, err = parseRegisterInitial(*initial); err != nil {
		return checkOptions{}, err
	}
	switch *nilRead {
	case "absent":
	case "any":
		o.semantics.Register.NilReadsAny = true
	default:
		return checkOptions{}, usagef("--nil-read must be absent or any, got %q", *nilRead)
	}
	o.verdictFrom = workloads.ModelCheckers(*model)
	if *checkers != "" {
		known := append(workloads.ModelCheckers(*model), "stats", "perf")
		o.verdictFrom = nil
		for _, name := range strings.Split(*checkers, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				return checkOptions{}, usagef("--checkers: empty name in %q", *checkers)
			}
			if !slices.Contains(known, name) {
				return checkOptions{}, usagef("--checkers: %q does not apply to the %s model (it has %s)", name, *model, strings.Join(known, ", "))
			}
			if !slices.Contains(o.verdictFrom, name) {
				o.verdictFrom = append(o.verdictFrom, name)
			}
		}
	}
	switch o.format {
	case "auto", "jsonl", "jepsen-edn", "edn":
	default:
		return checkOptions{}, usagef("--format must be jsonl, jepsen-edn (edn) or auto, got %q", o.format)
	}
	return o, nil
}

// parseRegisterInitial reads --initial: nil (an empty register) or an
// integer.
func parseRegisterInitial(s string) (workloads.RegisterValue, error) {
	if s == "nil" || s == "null" {
		return workloads.RegisterValue{}, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return workloads.RegisterValue{}, usagef("--initial must be an integer or nil, got %q", s)
	}
	return workloads.RegisterValue{Value: v, Present: true}, nil
}

// readHistoryFile reads a history from path, a file or a directory: a
// Jepsen store directory (store/<test>/<time>/) holds history.edn, one of
// ours history.jsonl.
func readHistoryFile(path, format string) (checker.History, error) {
	path, format, err := historyFileIn(path, format)
	if err != nil {
		return nil, err
	}
	return readHistory(path, format)
}

// historyFileIn is the history file path names (itself, or the history in
// the store directory it names) and its format, with auto resolved.
func historyFileIn(path, format string) (string, string, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		found := ""
		for _, name := range []string{"history.edn", "history.jsonl"} {
			if _, err := os.Stat(filepath.Join(path, name)); err == nil {
				found = filepath.Join(path, name)
				break
			}
		}
		if found == "" {
			return "", "", fmt.Errorf("%s: a directory without history.edn or history.jsonl", path)
		}
		path = found
	}
	if format == "auto" {
		format = "jsonl"
		if strings.HasSuffix(path, ".edn") {
			format = "jepsen-edn"
		}
	}
	return path, format, nil
}

func readHistory(path, format string) (checker.History, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if format == "jsonl" {
		return checker.ReadJSONL(f, path)
	}
	return checker.ReadJepsenEDN(f, path)
}

// scanJSONLFile reads a JSON Lines history file from its start at each
// call: workloads.CheckModelByKey reads it twice.
func scanJSONLFile(path string) workloads.Scan {
	return func(each func(*checker.Event) error) error {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		return checker.ScanJSONL(f, path, each)
	}
}

func sortedNames(rs checker.Results) []string {
	names := make([]string, 0, len(rs))
	for n := range rs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// writeHistoryReport writes report.html and linearizability.html for a
// history checked by `raftcheck check` into dir, each to a temporary file
// renamed into place once whole, so a failed write leaves no half page.
func writeHistoryReport(o checkOptions, h checker.History, checked *workloads.Checked, valid checker.Validity, took time.Duration, now time.Time) error {
	dir := o.reportDir
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	ordered, _ := h.InFileOrder()
	var span float64
	if n := len(ordered); n > 0 {
		span = float64(ordered[n-1].Time-ordered[0].Time) / 1e9
	}
	r := &results.Run{
		Valid:       valid,
		Test:        filepath.Base(o.path),
		Config:      results.Raw(map[string]string{"history": o.path, "model": o.model}),
		Checkers:    checked.Results,
		Ops:         countOps(h),
		SimSeconds:  span,
		WallSeconds: took.Seconds(),
		Replay:      o.command,
		Started:     now.UTC(),
	}
	report := results.Report{Run: r, History: ordered, Linearizability: checked.Linearizability, Outside: true}
	write := func(name string, f func(w io.Writer) error) error {
		tmp, err := os.CreateTemp(dir, "."+name+".*")
		if err != nil {
			return err
		}
		defer os.Remove(tmp.Name())
		if err := f(tmp); err != nil {
			tmp.Close()
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := tmp.Close(); err != nil {
			return err
		}
		if err := os.Chmod(tmp.Name(), 0o644); err != nil {
			return err
		}
		return os.Rename(tmp.Name(), filepath.Join(dir, name))
	}
	if err := write(results.FileLinearizability, func(w io.Writer) error { return checked.Linearizability.Visualize(w, nil) }); err != nil {
		return err
	}
	return write(results.FileReport, func(w io.Writer) error { return results.WriteReport(w, report) })
}
