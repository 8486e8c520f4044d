package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
	"raftcheck/results"
	"raftcheck/workloads"
)

// chromium finds Debian's Chromium: $CHROMIUM when set (and only it), else
// /usr/bin/chromium or chromium on the PATH. In CI a missing browser fails
// the test, so that the reports are never left unchecked by accident;
// elsewhere the test is skipped with a note saying why.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	} else if p, err := exec.LookPath("/usr/bin/chromium"); err == nil {
		return p
	} else if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed: CI must install it (.ci/run installs it with make chromium)")
	}
	t.Skip("chromium is not installed (apt-get install chromium): the browser test of the reports is skipped")
	return ""
}

// browser starts a headless Chromium that reaches no network and keeps
// nothing: the flags keep it from phoning home, which this machine's closed
// network would refuse at every start.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// Start the browser now, on a context without a deadline (a deadline
	// on the first run would bound the browser's whole life).
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate("about:blank")))
	return ctx
}

// pageErrors collects what a page reports going wrong: uncaught
// exceptions, console errors, error log entries, and any dialog (an
// alert would mean a script from the data ran). Dialogs are dismissed, so
// that the page goes on.
type pageErrors struct {
	mu   sync.Mutex
	errs []string
}

func (p *pageErrors) add(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.errs = append(p.errs, fmt.Sprintf(format, args...))
}

func (p *pageErrors) list() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.errs...)
}

func watch(t *testing.T, ctx context.Context) *pageErrors {
	t.Helper()
	pe := &pageErrors{}
	require.NoError(t, chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			pe.add("exception: %s", (&chromedp.ExceptionError{ExceptionDetails: ev.ExceptionDetails}).Error())
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				pe.add("console.%s: %s", ev.Type, strings.Join(args, " "))
			}
		case *cdplog.EventEntryAdded:
			if ev.Entry != nil && ev.Entry.Level == cdplog.EntryLevelError {
				pe.add("log %s: %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
			}
		case *page.EventJavascriptDialogOpening:
			pe.add("a %s dialog opened: %q", ev.Type, ev.Message)
		}
	}))
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	_, err := chromedp.Call(ctx, cdplog.Enable, struct{}{})
	require.NoError(t, err)
	return pe
}

// open loads a file in the browser and waits for the element with the id.
func open(t *testing.T, ctx context.Context, path, id string) {
	t.Helper()
	u := url.URL{Scheme: "file", Path: path}
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	require.NoError(t, chromedp.Do(sctx, chromedp.Navigate(u.String()), chromedp.WaitVisible(chromedp.ID(id))), path)
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[T](js))
	require.NoError(t, err, js)
	return v
}

// screenshot saves the whole page as a PNG: under $RAFTCHECK_SCREENSHOTS
// when set (to look at), else in the test's temporary directory.
func screenshot(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	dir := os.Getenv("RAFTCHECK_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100)) // 100: PNG
	require.NoError(t, err)
	require.Greater(t, len(png), 8)
	assert.Equal(t, "\x89PNG", string(png[:4]))
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, png, 0o644))
	t.Logf("screenshot: %s", path)
	return path
}

// reportSections are the ids every report has.
var reportSections = []string{"verdict", "verdict-word", "replay", "nav", "checkers", "checkers-table", "linearizability",
	"timeline", "timeline-svg", "latency", "latency-svg", "throughput", "throughput-svg", "raft", "raft-leaders-svg",
	"raft-commit-svg", "history", "history-table", "config", "config-table", "world", "faults", "network", "disks", "files"}

func missing(t *testing.T, ctx context.Context, ids []string) []string {
	t.Helper()
	var quoted []string
	for _, id := range ids {
		quoted = append(quoted, strconv.Quote(id))
	}
	return eval[[]string](t, ctx, `[`+strings.Join(quoted, ",")+`].filter(id => !document.getElementById(id))`)
}

// porcupineDrawn waits until Porcupine's page, in the report's iframe, has
// drawn its history.
func porcupineDrawn(t *testing.T, ctx context.Context) bool {
	t.Helper()
	const js = `(() => { const f = document.getElementById('porcupine-frame'); const d = f && f.contentDocument; return !!(d && d.querySelector('#canvas svg .history-rect')); })()`
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if eval[bool](t, ctx, js) {
			return true
		}
	}
	return false
}

// runUntil runs `raftcheck run` with seeds from 1 until the exit code is
// want, and returns the run directory.
func runUntil(t *testing.T, want int, args ...string) string {
	t.Helper()
	for seed := 1; seed <= 20; seed++ {
		code, stdout, stderr := runCLI(t, append([]string{"run", "--seed", strconv.Itoa(seed)}, args...)...)
		require.NotEqual(t, exitError, code, stderr)
		if code == want {
			_, dir := readResults(t, stdout)
			return dir
		}
	}
	t.Fatalf("no seed up to 20 gives exit %d with %v", want, args)
	return ""
}

// TestReportsInARealBrowser opens a valid run's report, an invalid run's
// report, a report full of scripts and the store's index in headless
// Chromium from disk, and checks that each shows its verdict and sections
// with no JavaScript error, that the invalid one's links reach the first
// illegal operation, and that no script from the data runs.
func TestReportsInARealBrowser(t *testing.T) {
	ctx := browser(t)
	store := t.TempDir()
	validDir := runUntil(t, exitValid, "--time", "10s", "--nemesis", "all", "--nemesis-interval", "1s", "--store", store)
	invalidDir := runUntil(t, exitInvalid, "--time", "10s", "--read-mode", "local", "--nemesis", "partition", "--nemesis-interval", "2s", "--store", store)

	t.Run("valid", func(t *testing.T) {
		pe := watch(t, ctx)
		open(t, ctx, filepath.Join(validDir, results.FileReport), "verdict")
		assert.Equal(t, "valid", eval[string](t, ctx, `document.getElementById('verdict-word').textContent`))
		assert.Contains(t, eval[string](t, ctx, `document.getElementById('verdict-line').textContent`), "every checker passed")
		assert.Empty(t, missing(t, ctx, reportSections))
		assert.True(t, porcupineDrawn(t, ctx), "Porcupine's view is drawn in the iframe")
		assert.Positive(t, eval[int](t, ctx, `document.querySelectorAll('#timeline-svg rect.op').length`), "the timeline has operations")
		assert.Positive(t, eval[int](t, ctx, `document.querySelectorAll('#timeline-svg rect.fault').length`), "the faults are shaded")
		assert.Positive(t, eval[int](t, ctx, `document.querySelectorAll('#raft-leaders-svg rect.lead').length`), "someone led")
		screenshot(t, ctx, "report-valid.png")
		assert.Empty(t, pe.list(), "JavaScript errors")
	})

	t.Run("invalid", func(t *testing.T) {
		pe := watch(t, ctx)
		open(t, ctx, filepath.Join(invalidDir, results.FileReport), "verdict")
		assert.Equal(t, "invalid", eval[string](t, ctx, `document.getElementById('verdict-word').textContent`))
		assert.Contains(t, eval[string](t, ctx, `document.getElementById('verdict-line').textContent`), "failed: linearizable")
		assert.Empty(t, missing(t, ctx, append(reportSections, "first-illegal", "verdict-illegal", "jump-history", "porcupine-jump", "timeline-focus")))
		assert.True(t, porcupineDrawn(t, ctx))

		// The link to the first illegal operation lands on its row.
		require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.ID("jump-history"))))
		hash := eval[string](t, ctx, `location.hash`)
		assert.Regexp(t, `^#ev-\d+$`, hash)
		row := eval[string](t, ctx, `(() => { const r = document.querySelector(location.hash); return r ? r.className + ' ' + r.textContent : ''; })()`)
		assert.Contains(t, row, "focus")
		assert.True(t, eval[bool](t, ctx, `(() => { const r = document.querySelector(location.hash).getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })()`), "the row is in view")
		screenshot(t, ctx, "report-invalid-history.png")

		// The button in Porcupine's view selects the first error there.
		require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.ID("porcupine-jump"))))
		assert.True(t, eval[bool](t, ctx, `(() => { const d = document.getElementById('porcupine-frame').contentDocument; return !!d.querySelector('.selected'); })()`),
			"an operation is selected in Porcupine's view")
		require.NoError(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`)))
		screenshot(t, ctx, "report-invalid.png")
		assert.Empty(t, pe.list(), "JavaScript errors")
	})

	t.Run("scripts in the data stay text", func(t *testing.T) {
		path := evilReport(t, validDir)
		pe := watch(t, ctx)
		open(t, ctx, path, "verdict")
		assert.True(t, porcupineDrawn(t, ctx))
		assert.False(t, eval[bool](t, ctx, `window.__pwned === true || (() => { try { return document.getElementById('porcupine-frame').contentWindow.__pwned === true } catch (e) { return false } })()`))
		body := eval[string](t, ctx, `document.body.innerText`)
		assert.GreaterOrEqual(t, strings.Count(body, evilValue), 4, "the script shows as text")
		titles := eval[int](t, ctx, `[...document.querySelectorAll('svg title')].filter(t => t.textContent.includes('<script>')).length`)
		assert.Positive(t, titles, "SVG titles hold the script as text")
		assert.Equal(t, 1, eval[int](t, ctx, `document.querySelectorAll('script').length`), "the page's only script element is its own")
		frame := eval[string](t, ctx, `(() => { const d = document.getElementById('porcupine-frame').contentDocument; return d.querySelectorAll('script').length + ' ' + d.body.innerText; })()`)
		assert.True(t, strings.HasPrefix(frame, "1 "), "Porcupine's page has only its own script")
		assert.Contains(t, frame, evilValue, "the fault's description is drawn as text in Porcupine's view")
		assert.Empty(t, pe.list(), "JavaScript errors, or a dialog that a script from the data opened")
	})

	t.Run("index", func(t *testing.T) {
		pe := watch(t, ctx)
		open(t, ctx, filepath.Join(store, "index.html"), "runs")
		verdicts := eval[[]string](t, ctx, `[...document.querySelectorAll('#runs td.v')].map(td => td.className + '=' + td.textContent)`)
		assert.Contains(t, verdicts, "v valid=valid")
		assert.Contains(t, verdicts, "v invalid=invalid")
		links := eval[[]string](t, ctx, `[...document.querySelectorAll('#runs a')].map(a => a.textContent)`)
		assert.Contains(t, links, "report")
		assert.Contains(t, links, "results.json")
		screenshot(t, ctx, "index.png")
		// The invalid run's report link leads to its report.
		rel, err := filepath.Rel(store, invalidDir)
		require.NoError(t, err)
		_, err = chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil,
			chromedp.Click(chromedp.CSS(`a[href="`+filepath.ToSlash(rel)+`/report.html"]`))))
		require.NoError(t, err)
		assert.Equal(t, "invalid", eval[string](t, ctx, `document.getElementById('verdict-word').textContent`))
		assert.Empty(t, pe.list(), "JavaScript errors")
	})
}

const evilValue = `<script>window.__pwned = true; alert(1)</script>`

// evilReport writes, beside the valid run, a report of it in which an
// operation's key, function, value and error, a fault, a node and the
// configuration are scripts.
func evilReport(t *testing.T, dir string) string {
	t.Helper()
	r, err := results.ReadRun(filepath.Join(dir, results.FileResults))
	require.NoError(t, err)
	f, err := os.Open(filepath.Join(dir, results.FileHistory))
	require.NoError(t, err)
	h, err := checker.ReadJSONL(f, results.FileHistory)
	f.Close()
	require.NoError(t, err)
	renamed := 0
	for i := range h {
		if h[i].Key == "k1" {
			h[i].Key = evilValue
			renamed++
		}
	}
	require.Positive(t, renamed)
	c, err := workloads.CheckModel(h, "register", time.Minute)
	require.NoError(t, err)
	last := h[len(h)-1]
	h = append(h,
		checker.Event{Index: len(h), Type: checker.Invoke, F: evilValue, Key: evilValue, Value: checker.Value(evilValue), Process: 999, Time: last.Time + 1e6},
		checker.Event{Index: len(h) + 1, Type: checker.Info, F: evilValue, Key: evilValue, Value: checker.Value(evilValue), Process: 999, Time: last.Time + 2e6, Error: evilValue})
	r.Checkers = c.Results
	r.Test, r.Replay = evilValue, evilValue
	r.Config = results.Raw(map[string]any{"workload": evilValue})
	r.Faults = results.Raw([]results.Fault{{Kind: "kill-one", Group: "kill", Start: 1e9, End: 2e9, Description: evilValue, Nodes: []string{evilValue}}})
	raft := []checker.RaftSample{{At: 0, Node: evilValue, Life: "up", State: "StateLeader", Term: 1, Commit: 1}}
	path := filepath.Join(t.TempDir(), results.FileReport)
	out, err := os.Create(path)
	require.NoError(t, err)
	defer out.Close()
	require.NoError(t, results.WriteReport(out, results.Report{Run: r, History: h, Raft: raft, Linearizability: c.Linearizability}))
	return path
}
