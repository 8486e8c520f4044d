package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testdata is a history file of checker/testdata.
func testdata(name string) string { return filepath.Join("..", "..", "checker", "testdata", name) }

// `raftcheck check` on histories written by hand in the forms real Jepsen
// and Knossos files take, each with the verdict its author meant. Each row
// of issue 13's "measured" list is here: before the fix, the stats row
// exited 1, the nemesis-only row 2, the time-back rows 3, the Knossos row
// 1 under any flags, the Jepsen set and counter rows 3, and the counter
// amount row 1.
func TestCheckGivesTheVerdictTheAuthorMeant(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
		says string // in stdout, or stderr for an error
	}{
		{"no cas ever succeeded: stats informs, linearizability decides", []string{"--model", "cas-register", testdata("outside-cas-never-ok.edn")}, exitValid, "never succeeded: cas"},
		{"stats decides when named", []string{"--model", "cas-register", "--checkers", "linearizable,stats", testdata("outside-cas-never-ok.edn")}, exitInvalid, "stats          false"},
		{"only nemesis events", []string{"--model", "cas-register", testdata("outside-nemesis-only.edn")}, exitValid, "0 ops"},
		{"times a few ns out of order", []string{"--model", "cas-register", testdata("outside-time-back-ok.edn")}, exitValid, "went back in time"},
		{"times out of order, judged in file order", []string{testdata("outside-time-back-bad.edn")}, exitInvalid, "not linearizable"},
		{"Knossos's corpus with our defaults: empty, nil absent", []string{testdata("knossos-initial-zero-ok.edn")}, exitInvalid, "read() -> 0"},
		{"Knossos's corpus with its semantics", []string{"--initial", "0", "--nil-read", "any", testdata("knossos-initial-zero-ok.edn")}, exitValid, "linearizable   true"},
		{"Knossos's semantics still find a stale read", []string{"--initial", "0", "--nil-read", "any", testdata("knossos-initial-zero-bad.edn")}, exitInvalid, "not linearizable"},
		{"Knossos's corpus has no :time: judged by the events' order", []string{"--initial", "0", "--nil-read", "any", testdata("knossos-no-time-bad.edn")}, exitInvalid, "read() -> 7"},
		{"without times perf measures nothing", []string{"--initial", "0", "--nil-read", "any", testdata("knossos-no-time-bad.edn")}, exitInvalid, "the history has no times"},
		{"Jepsen's set: add and read", []string{"--model", "set", testdata("jepsen-set-ok.edn")}, exitValid, "set            true"},
		{"Jepsen's set: a lost add", []string{"--model", "set", testdata("jepsen-set-lost-bad.edn")}, exitInvalid, "1 lost"},
		{"Jepsen's counter: add of any amount, and read", []string{"--model", "counter", testdata("jepsen-counter-ok.edn")}, exitValid, "counter        true"},
		{"Jepsen's counter: a read above every add", []string{"--model", "counter", testdata("jepsen-counter-bad.edn")}, exitInvalid, "out of bounds"},
		{"our counter: an incr of 5", []string{"--model", "counter", testdata("counter-incr-amount-ok.jsonl")}, exitValid, "counter        true"},
		{"a .edn file needs no --format", []string{testdata("jepsen-cas-register-ok.edn")}, exitValid, "linearizable   true"},
		{"--format jsonl on an EDN file is refused", []string{"--format", "jsonl", testdata("jepsen-cas-register-ok.edn")}, exitError, ""},
		{"an unknown checker", []string{"--checkers", "linearizable,bogus", testdata("jepsen-cas-register-ok.edn")}, exitError, `"bogus" does not apply`},
		{"a workload checker of another model", []string{"--checkers", "set", testdata("jepsen-cas-register-ok.edn")}, exitError, `"set" does not apply`},
		{"--initial that is not an integer", []string{"--initial", "zero", testdata("jepsen-cas-register-ok.edn")}, exitError, "--initial must be an integer or nil"},
		{"--nil-read of another meaning", []string{"--nil-read", "maybe", testdata("jepsen-cas-register-ok.edn")}, exitError, "--nil-read must be absent or any"},
		{"register semantics on another model", []string{"--model", "set", "--initial", "0", testdata("jepsen-set-ok.edn")}, exitError, "register model only"},
		{"an empty file: cut short, or the wrong one", []string{testdata("empty.edn")}, exitError, "no events"},
		{"an empty checker name", []string{"--checkers", ",", testdata("jepsen-cas-register-ok.edn")}, exitError, "empty name"},
		{"an unknown model", []string{"--model", "queue", testdata("jepsen-set-ok.edn")}, exitError, "--model must be one of"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, append([]string{"check"}, tc.args...)...)
			assert.Equal(t, tc.want, code, stdout+stderr)
			out := stdout
			if tc.want == exitError {
				out = stderr
				assert.Empty(t, stdout)
				assert.Equal(t, 1, strings.Count(strings.TrimSpace(stderr), "\n")+1, "one line: %q", stderr)
			}
			assert.Contains(t, out, tc.says)
			assert.NotContains(t, out, "simulated", "an outside history is never called simulated")
		})
	}
}

// A Jepsen store directory (store/<test>/<time>/) holds history.edn:
// check finds it; a directory without a history is an error.
func TestCheckFindsTheHistoryOfAStoreDirectory(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(testdata("jepsen-cas-register-bad.edn"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "history.edn"), b, 0o644))
	code, stdout, stderr := runCLI(t, "check", dir)
	assert.Equal(t, exitInvalid, code, stdout+stderr)
	assert.Contains(t, stdout, "not linearizable")

	code, _, stderr = runCLI(t, "check", t.TempDir())
	assert.Equal(t, exitError, code)
	assert.Contains(t, stderr, "without history.edn or history.jsonl")
}

// --report writes the run's report page and Porcupine's view for a
// history written elsewhere, without the Raft and fault sections it has no
// data for.
func TestCheckWritesAReportForAnOutsideHistory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "report")
	code, stdout, stderr := runCLI(t, "check", "--report", dir, testdata("jepsen-cas-register-bad.edn"))
	require.Equal(t, exitInvalid, code, stdout+stderr)
	assert.Contains(t, stdout, "report: "+filepath.Join(dir, "report.html"))
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	require.NoError(t, err)
	html := string(page)
	assert.Contains(t, html, "jepsen-cas-register-bad.edn")
	assert.Contains(t, html, `id="first-illegal"`, "the report points at the first illegal operation")
	assert.Contains(t, html, `id="history-table"`)
	assert.NotContains(t, html, `<section id="raft">`, "no Raft section without Raft data")
	assert.NotContains(t, html, `<section id="world">`, "no fault section without faults")
	assert.NotContains(t, html, "simulated")
	viz, err := os.ReadFile(filepath.Join(dir, "linearizability.html"))
	require.NoError(t, err)
	assert.NotEmpty(t, viz)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "no temporary file left behind")
}
