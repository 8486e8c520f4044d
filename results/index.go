package results

import (
	"cmp"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"raftcheck/checker"
)

// maxIndexRuns bounds the runs the index lists, newest first: a soak can
// leave tens of thousands of runs, and only the listed ones' results.json
// are read.
const maxIndexRuns = 2000

// indexRun is one run in the store's index.
type indexRun struct {
	Test, Name, Started   string
	Seed                  uint64
	Verdict, Class        string
	Failed                string
	Ops                   int
	SimSeconds            float64
	Report, Results, Hist string
	Dir                   string
}

type indexPage struct {
	Runs       []indexRun
	Total      int
	Unreadable int
	Left       int
	Written    string
}

// runRef is a run directory found in the store, before it is read.
type runRef struct {
	test, name string
}

// scanStore finds the run directories: <root>/<test>/<run>/, skipping
// hidden entries (".tmp-" runs being written) and anything that is not a
// directory.
func scanStore(root string) ([]runRef, error) {
	tests, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	var refs []runRef
	for _, t := range tests {
		if !t.IsDir() || strings.HasPrefix(t.Name(), ".") {
			continue // latest is a link, index.html a file
		}
		runs, err := os.ReadDir(filepath.Join(root, t.Name()))
		if err != nil {
			continue
		}
		for _, r := range runs {
			if r.IsDir() && !strings.HasPrefix(r.Name(), ".") {
				refs = append(refs, runRef{t.Name(), r.Name()})
			}
		}
	}
	// A run's name starts with its UTC start time, so names sort by time;
	// the newest come first.
	slices.SortFunc(refs, func(a, b runRef) int {
		if c := cmp.Compare(b.name, a.name); c != 0 {
			return c
		}
		return cmp.Compare(a.test, b.test)
	})
	return refs, nil
}

// WriteIndex writes root/index.html, listing the store's runs newest first
// with their verdicts. It is written to a temporary file and renamed into
// place, so a reader never sees half of it. Runs whose results.json cannot
// be read (being written, or damaged) are counted, not listed, and do not
// stop the index.
//
// Two processes writing the index at once each write a whole file; the
// one renamed last wins, and lists what it saw when it scanned.
func WriteIndex(root string) error {
	refs, err := scanStore(root)
	if err != nil {
		return err
	}
	p := indexPage{Total: len(refs), Written: time.Now().UTC().Format("2006-01-02 15:04:05 UTC")}
	for _, ref := range refs {
		if len(p.Runs) == maxIndexRuns {
			p.Left = len(refs) - len(p.Runs) - p.Unreadable
			break
		}
		r, err := ReadRun(filepath.Join(root, ref.test, ref.name, FileResults))
		if err != nil {
			p.Unreadable++
			continue
		}
		p.Runs = append(p.Runs, newIndexRun(ref, r))
	}
	tmp, err := os.CreateTemp(root, ".index-*.html")
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename, there is nothing to remove
	if err := indexTemplate().Execute(tmp, p); err != nil {
		tmp.Close()
		return fmt.Errorf("index: %w", err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("index: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(root, "index.html")); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	return nil
}

func newIndexRun(ref runRef, r *Run) indexRun {
	dir := url.PathEscape(ref.test) + "/" + url.PathEscape(ref.name) + "/"
	ir := indexRun{
		Test: ref.test, Name: ref.name, Seed: r.Seed,
		Verdict: verdictWord(r.Valid.String()), Class: verdictWord(r.Valid.String()),
		Ops: r.Ops, SimSeconds: r.SimSeconds,
		Dir: dir, Report: dir + FileReport, Results: dir + FileResults, Hist: dir + FileHistory,
	}
	if !r.Started.IsZero() {
		ir.Started = r.Started.UTC().Format("2006-01-02 15:04:05")
	}
	var failed []string
	for _, n := range sortedCheckers(r.Checkers) {
		if v := r.Checkers[n].Valid; v != checker.Valid {
			failed = append(failed, n+"="+v.String())
		}
	}
	ir.Failed = strings.Join(failed, ", ")
	return ir
}
