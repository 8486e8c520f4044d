package results

import (
	"bytes"
	"encoding/json"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
)

// has checks that page contains want without printing the page.
func has(t *testing.T, page, want string, msgAndArgs ...any) {
	t.Helper()
	if !strings.Contains(page, want) {
		assert.Fail(t, "the page lacks "+strconv.Quote(want), msgAndArgs...)
	}
}

func hasNot(t *testing.T, page, unwanted string, msgAndArgs ...any) {
	t.Helper()
	if i := strings.Index(page, unwanted); i >= 0 {
		assert.Fail(t, "the page has "+strconv.Quote(unwanted)+" in "+strconv.Quote(page[max(0, i-200):min(len(page), i+200)]), msgAndArgs...)
	}
}

func render(t *testing.T, rep Report) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, WriteReport(&buf, rep))
	return buf.String()
}

// sections are the ids of the report's main parts, which the browser test
// looks for too.
var sections = []string{"verdict", "verdict-word", "replay", "checkers", "checkers-table", "linearizability", "timeline", "timeline-svg",
	"latency", "latency-svg", "throughput", "throughput-svg", "raft", "raft-leaders-svg", "raft-commit-svg", "history", "history-table",
	"config", "config-table", "world", "fault-world", "faults-table", "network", "disks", "files"}

// corrupt makes the history invalid: the ok read nearest the middle returns
// a value nobody wrote. It returns the read's completion index.
func corrupt(t *testing.T, h checker.History) int {
	t.Helper()
	for i := len(h) / 2; i < len(h); i++ {
		if h[i].Type == checker.OK && h[i].F == "read" {
			h[i].Value = checker.Value(999999)
			return h[i].Index
		}
	}
	t.Fatal("no ok read to corrupt")
	return -1
}

func TestReportShowsTheVerdictAndEverySection(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*synth) int
		verdict string
		failed  string
	}{
		{"valid", func(*synth) int { return -1 }, "valid", ""},
		{"invalid", func(s *synth) int { return corrupt(t, s.history) }, "invalid", "failed: "},
		{"unknown", func(s *synth) int {
			s.run.Checkers["liveness"] = checker.Result{Valid: checker.Unknown, Summary: "not checked"}
			s.run.Valid = checker.Unknown
			return -1
		}, "unknown", "undecided: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSynth(t, 1500, 8, 5, 2)
			tc.mutate(s)
			c := s.check(t)
			tc.mutate(s) // for unknown: after the checks, which reset the verdicts
			page := render(t, Report{Run: s.run, History: s.history, Raft: s.raft, Linearizability: c.Linearizability})
			for _, id := range sections {
				has(t, page, `id="`+id+`"`, "section %s", id)
			}
			has(t, page, `<header class="`+tc.verdict+`" id="verdict">`)
			has(t, page, `<span id="verdict-word">`+tc.verdict+`</span>`)
			has(t, page, html.EscapeString(s.run.Replay))
			has(t, page, "seed 2")
			if tc.failed != "" {
				has(t, page, tc.failed)
			} else {
				has(t, page, "every checker passed")
			}
			for name := range s.run.Checkers {
				has(t, page, `id="checker-`+name+`"`)
			}
			has(t, page, `<iframe id="porcupine-frame"`)
			has(t, page, `id="stats-table"`)
			has(t, page, `id="perf-table"`)
		})
	}
}

// TestReportPointsAtTheFirstIllegalOperation: an invalid run's report names
// the first illegal operation by its history index, and its links reach
// the operation's row in the history table and its bar in the timeline,
// even when the history is too long to list whole.
func TestReportPointsAtTheFirstIllegalOperation(t *testing.T) {
	s := newSynth(t, 4000, 8, 5, 3)
	bad := corrupt(t, s.history)
	c := s.check(t)
	require.Equal(t, checker.Invalid, s.run.Valid)
	d := decodeDetails(s.run.Checkers)
	_, illegal := d.firstIllegal()
	require.NotNil(t, illegal)
	assert.Equal(t, bad, illegal.Complete, "the corrupted read is the first illegal operation")
	require.Greater(t, len(s.history), maxHistoryRows, "the history is long enough to be cut")
	require.Greater(t, illegal.Invoke, historyHead, "the operation is past the table's head")

	page := render(t, Report{Run: s.run, History: s.history, Raft: s.raft, Linearizability: c.Linearizability})
	invoke, complete := strconv.Itoa(illegal.Invoke), strconv.Itoa(illegal.Complete)
	has(t, page, `id="first-illegal"`)
	has(t, page, `<a href="#ev-`+invoke+`">#`+invoke+`</a>`, "the invocation's index, linked")
	has(t, page, `<a href="#ev-`+complete+`">#`+complete+`</a>`, "the completion's index, linked")
	has(t, page, `<tr id="ev-`+invoke+`" class="t-invoke focus">`)
	has(t, page, `<tr id="ev-`+complete+`" class="t-ok focus">`)
	has(t, page, `id="timeline-focus"`)
	has(t, page, `id="jump-history" href="#ev-`+invoke+`"`)
	has(t, page, `id="porcupine-jump"`, "Porcupine's view can jump to the first error")
	has(t, page, "999999", "the value read")
	has(t, page, "events not listed", "the cut is shown")
	assertLinksResolve(t, page)
}

// assertLinksResolve checks that every link within the page reaches an
// element.
func assertLinksResolve(t *testing.T, page string) {
	t.Helper()
	ids := map[string]bool{}
	for _, m := range regexp.MustCompile(` id="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		ids[m[1]] = true
	}
	links := regexp.MustCompile(` href="#([^"]*)"`).FindAllStringSubmatch(page, -1)
	require.NotEmpty(t, links)
	for _, m := range links {
		assert.True(t, ids[m[1]], "link #%s has no element", m[1])
	}
}

func TestEveryLinkInTheReportResolves(t *testing.T) {
	for _, ops := range []int{200, 3000} {
		s := newSynth(t, ops, 6, 4, 4)
		corrupt(t, s.history)
		c := s.check(t)
		assertLinksResolve(t, render(t, Report{Run: s.run, History: s.history, Raft: s.raft, Linearizability: c.Linearizability}))
	}
}

// TestReportShowsCheckerDetails: each checker's details are shown for
// people: the set's lost elements, the counter's out-of-bounds reads, stats
// and perf as tables.
func TestReportShowsCheckerDetails(t *testing.T) {
	ev := func(i int, typ checker.Type, f, key string, v any, p checker.Process, at int64) checker.Event {
		return checker.Event{Index: i, Type: typ, F: f, Key: key, Value: checker.Value(v), Process: p, Time: at}
	}
	setHistory := checker.History{
		ev(0, checker.Invoke, "add", "s1", 7, 0, 0), ev(1, checker.OK, "add", "s1", 7, 0, 10),
		ev(2, checker.Invoke, "add", "s1", 8, 0, 20), ev(3, checker.OK, "add", "s1", 8, 0, 30),
		ev(4, checker.Invoke, "members", "s1", nil, 1, 40), ev(5, checker.OK, "members", "s1", []int{8}, 1, 50),
	}
	counterHistory := checker.History{
		ev(0, checker.Invoke, "incr", "c1", nil, 0, 0), ev(1, checker.OK, "incr", "c1", 1, 0, 10),
		ev(2, checker.Invoke, "count", "c1", nil, 1, 20), ev(3, checker.OK, "count", "c1", 5, 1, 30),
	}
	tests := []struct {
		name    string
		h       checker.History
		result  checker.Result
		want    []string
		checker string
	}{
		{"set lost", setHistory, checker.CheckSet(setHistory), []string{`id="set-by-key"`, `<td class="bad">7</td>`, `id="set-witnesses"`, `<a href="#ev-5">#5</a>`}, "set"},
		{"counter out of bounds", counterHistory, checker.CheckCounter(counterHistory), []string{`id="counter-out-of-bounds"`, "<td>5</td>", "<td>0</td>", "<td>1</td>", `<a href="#ev-3">#3</a>`}, "counter"},
		{"stats", setHistory, checker.Stats(setHistory), []string{`id="stats-table"`, "<td>add</td>", "<td>members</td>"}, "stats"},
		{"perf", setHistory, checker.Perf(setHistory), []string{`id="perf-table"`, "<th>p99</th>"}, "perf"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.checker == "set" || tc.checker == "counter" {
				require.Equal(t, checker.Invalid, tc.result.Valid, tc.result.Summary)
			}
			r := &Run{Valid: tc.result.Valid, Test: "t", Config: json.RawMessage(`{}`), Checkers: checker.Results{tc.checker: tc.result}, SimSeconds: 1}
			page := render(t, Report{Run: r, History: tc.h})
			for _, w := range tc.want {
				has(t, page, w)
			}
			// The same report from results.json, where details are plain
			// JSON.
			b, err := json.Marshal(r)
			require.NoError(t, err)
			path := filepath.Join(t.TempDir(), FileResults)
			require.NoError(t, os.WriteFile(path, b, 0o644))
			back, err := ReadRun(path)
			require.NoError(t, err)
			assert.Equal(t, page, render(t, Report{Run: back, History: tc.h}))
		})
	}
}

// TestLargeReportsSayWhatWasLeftOut: past the caps, every view says what it
// merged or left out.
func TestLargeReportsSayWhatWasLeftOut(t *testing.T) {
	s := newSynth(t, 20000, 10, 40, 5)
	c := s.check(t)
	page := render(t, Report{Run: s.run, History: s.history, Raft: s.raft, Linearizability: c.Linearizability})
	for _, want := range []string{
		"events are listed: the first 300, the last 100",      // history table
		"operations are more than the 4,000 drawn one by one", // timeline
		"completed operations are drawn as",                   // latency
		"share a pixel column",                                // commit index
	} {
		has(t, page, want)
	}
	assert.Regexp(t, `This view draws \d of 40 keys \(&#34;k`, page[strings.Index(page, `id="linearizability"`):][:2000], "Porcupine")
	assert.Less(t, strings.Count(page, "<tr id=\"ev-"), maxHistoryRows)
}

func TestSmallReportsLeaveNothingOut(t *testing.T) {
	s := newSynth(t, 300, 5, 3, 6)
	c := s.check(t)
	page := render(t, Report{Run: s.run, History: s.history, Raft: synthRaft(2e9), Linearizability: c.Linearizability})
	hasNot(t, page, `class="note">`+"…")
	hasNot(t, page, "events not listed")
	assert.Equal(t, len(s.history), strings.Count(page, `<tr id="ev-`), "every event has a row")
	has(t, page, "This view draws all 3 keys")
}

// TestReportIsSelfContained: the page loads nothing: no scripts, styles,
// images or frames from elsewhere.
func TestReportIsSelfContained(t *testing.T) {
	s := newSynth(t, 500, 5, 3, 7)
	c := s.check(t)
	page := render(t, Report{Run: s.run, History: s.history, Raft: s.raft, Linearizability: c.Linearizability})
	for _, bad := range []string{`src="http`, `src="//`, "<link ", `<script src`, `<img `, "@import", "url(http"} {
		hasNot(t, page, bad)
	}
	has(t, page, "<style>")
	has(t, page, "srcdoc=\"")
}

func TestReportWithoutHistoryOrChecks(t *testing.T) {
	r := &Run{Valid: checker.Unknown, Test: "t", Config: json.RawMessage(`{"nodes":3}`)}
	page := render(t, Report{Run: r})
	has(t, page, "no operation completed")
	has(t, page, "Porcupine's view is not embedded")
	has(t, page, "No fault was injected.")
	require.Error(t, WriteReport(&bytes.Buffer{}, Report{}))
}
