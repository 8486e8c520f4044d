package main

import (
	"bufio"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
)

// moduleRoot is the module this test runs in.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := findModuleRoot(".")
	require.NoError(t, err)
	return root
}

// TestZooCatchesAFewBugsQuickly is the fast part of the zoo that make test
// runs: one switch bug and two patch bugs, one start each, against this
// tree's default soak. The patch bugs are ones any default soak catches
// within a few seeds (the Raft invariants see them at once); the switch bug
// is the one the default soak at the zoo's first measurement caught soonest
// from seed 1 (at seed 16), and the cap is the target maximum, 60
// seeds. At a hundred seeds a second, a generous cap costs little. The full
// zoo is make zoo.
func TestZooCatchesAFewBugsQuickly(t *testing.T) {
	if testing.Short() {
		t.Skip("builds raftcheck three times")
	}
	bugs := []string{"no-dedup", "apply-uncommitted", "heartbeat-commit-unbounded"} // in the zoo's order
	code, stdout, stderr := runCLI(t, "zoo", "--bug", strings.Join(bugs, ","), "--starts", "1", "--max-seeds", "60",
		"--workers", "2", "--src", moduleRoot(t), "--json")
	require.Equal(t, exitValid, code, "%s%s", stdout, stderr)
	rows := readZooRows(t, stdout)
	require.Len(t, rows, len(bugs))
	for i, row := range rows {
		assert.Equal(t, bugs[i], row.Bug)
		assert.True(t, row.Detected, "%s not detected: %+v", row.Bug, row)
		assert.NotEmpty(t, row.CaughtBy, row.Bug)
		require.Len(t, row.StartResults, 1)
		st := row.StartResults[0]
		assert.Equal(t, uint64(1), st.First)
		assert.Equal(t, st.Seed, uint64(st.SeedsRun), "%s: from seed 1, seeds to detection is the seed", row.Bug)
		require.NotNil(t, row.MaxSeeds)
		assert.LessOrEqual(t, *row.MaxSeeds, 60)
		require.NotNil(t, row.Findability)
	}
}

func readZooRows(t *testing.T, stdout string) []zooRow {
	t.Helper()
	var rows []zooRow
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		var row zooRow
		require.NoError(t, json.Unmarshal(sc.Bytes(), &row), "line %q", sc.Text())
		rows = append(rows, row)
	}
	return rows
}

// TestEveryZooPatchAppliesAndBuilds applies each patch to one copy of the
// module, compiles every package, and undoes it: a patch that stops fitting
// the tree (someone edited the code it plants a bug in) fails here, naming
// the bug, before a zoo run trips on it. The library packages are compiled
// without linking raftcheck for each patch, which would cost a second a
// patch; a patch changes no exported API, so the command builds whenever
// its packages do (TestZooCatchesAFewBugsQuickly links three).
func TestEveryZooPatchAppliesAndBuilds(t *testing.T) {
	tree := filepath.Join(t.TempDir(), "src")
	require.NoError(t, copyModule(moduleRoot(t), tree))
	list := exec.Command("go", "list", "-f", `{{if ne .Name "main"}}{{.ImportPath}}{{end}}`, "./...")
	list.Dir = tree
	out, err := list.Output()
	require.NoError(t, err, "go list")
	libraries := strings.Fields(string(out))
	require.Contains(t, libraries, "raftcheck/raft")
	for _, bug := range zooPatches {
		t.Run(bug.name, func(t *testing.T) {
			text, err := zooPatchFiles.ReadFile("zoo/" + bug.patch)
			require.NoError(t, err)
			originals, err := applyPatch(tree, string(text))
			require.NoError(t, err, "the patch no longer applies: remake it against the current tree")
			defer func() { require.NoError(t, restoreFiles(tree, originals)) }()
			require.NotEmpty(t, originals)
			for rel, before := range originals {
				after, err := os.ReadFile(filepath.Join(tree, rel))
				require.NoError(t, err)
				assert.NotEqual(t, string(before), string(after), "%s: the patch changes nothing", rel)
			}
			cmd := exec.Command("go", append([]string{"build", "-buildvcs=false"}, libraries...)...)
			cmd.Dir = tree
			cmd.Env = append(os.Environ(), "GOPROXY=off")
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "the module does not build with the patch:\n%s", out)
		})
	}
}

// The table and the embedded patches agree: every patch bug has its file,
// every file a bug, and every bug a name, a description and a source.
func TestZooTableMatchesItsPatches(t *testing.T) {
	files, err := fs.Glob(zooPatchFiles, "zoo/*.patch")
	require.NoError(t, err)
	var embedded, listed []string
	for _, f := range files {
		embedded = append(embedded, strings.TrimPrefix(f, "zoo/"))
	}
	names := map[string]bool{}
	for _, b := range allZooBugs() {
		assert.False(t, names[b.name], "%s is listed twice", b.name)
		names[b.name] = true
		assert.NotEmpty(t, b.about, b.name)
		assert.NotEmpty(t, b.source, b.name)
		assert.NotContains(t, b.about, "\n", b.name)
		if b.patch != "" {
			listed = append(listed, b.patch)
			assert.Equal(t, b.name+".patch", b.patch, "a patch is named after its bug")
		}
	}
	sort.Strings(listed)
	assert.Equal(t, embedded, listed)
	assert.GreaterOrEqual(t, len(zooPatches), 15, "the zoo keeps at least 15 historical bugs as patches")
	for _, b := range zoo {
		assert.Empty(t, b.patch, "%s: --bug plants only switch bugs", b.name)
	}
}

// No patch plants a bug in a file under raft/ by a switch: the core keeps
// no bug switches, and patches only change existing code.
func TestZooPatchesTouchOnlyExistingCode(t *testing.T) {
	for _, bug := range zooPatches {
		text, err := zooPatchFiles.ReadFile("zoo/" + bug.patch)
		require.NoError(t, err)
		files, err := parsePatch(string(text))
		require.NoError(t, err, bug.name)
		for _, f := range files {
			assert.True(t, strings.HasPrefix(f.path, "raft/") || strings.HasPrefix(f.path, "harness/"), "%s patches %s", bug.name, f.path)
			assert.False(t, strings.HasSuffix(f.path, "_test.go"), "%s patches a test", bug.name)
		}
	}
}

func TestApplyPatch(t *testing.T) {
	const original = "package p\n\nfunc a() int {\n\treturn 1\n}\n\nfunc b() int {\n\treturn 2\n}\n"
	const patch = "diff --git a/p/p.go b/p/p.go\n--- a/p/p.go\n+++ b/p/p.go\n" +
		"@@ -3,3 +3,3 @@\n func a() int {\n-\treturn 1\n+\treturn 10\n }\n" +
		"@@ -7,3 +7,4 @@\n func b() int {\n+\t// two\n \treturn 2\n }\n"
	const patched = "package p\n\nfunc a() int {\n\treturn 10\n}\n\nfunc b() int {\n\t// two\n\treturn 2\n}\n"
	for _, tc := range []struct {
		name    string
		content string
		patch   string
		want    string
		wantErr string
	}{
		{name: "applies", content: original, patch: patch, want: patched},
		{name: "moved down by lines added above", content: "// header\n// more\n" + original, patch: patch,
			want: "// header\n// more\n" + patched},
		{name: "moved up by lines removed above", content: strings.Replace(original, "package p\n\n", "package p\n", 1), patch: patch,
			want: strings.Replace(patched, "package p\n\n", "package p\n", 1)},
		{name: "context changed", content: strings.Replace(original, "return 2", "return 3", 1), patch: patch,
			wantErr: "p/p.go: hunk 2 (@@ -7,3 +7,4 @@) does not match the source"},
		{name: "removed line changed", content: strings.Replace(original, "return 1", "return 11", 1), patch: patch,
			wantErr: "hunk 1 (@@ -3,3 +3,3 @@) does not match"},
		{name: "new file", content: original, patch: "--- /dev/null\n+++ b/p/q.go\n@@ -0,0 +1 @@\n+package p\n",
			wantErr: "creates or deletes a file"},
		{name: "outside the tree", content: original, patch: "--- a/../etc/passwd\n+++ b/../etc/passwd\n@@ -1 +1 @@\n-x\n+y\n",
			wantErr: "is not inside the module"},
		{name: "malformed header", content: original, patch: "--- a/p/p.go\n+++ b/p/p.go\n@@ -3 +3 \n",
			wantErr: "malformed hunk header"},
		{name: "hunk cut short", content: original, patch: "--- a/p/p.go\n+++ b/p/p.go\n@@ -3,3 +3,3 @@\n func a() int {\n",
			wantErr: "ends early"},
		{name: "nothing to apply", content: original, patch: "just words\n", wantErr: "no file changes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			require.NoError(t, os.MkdirAll(filepath.Join(root, "p"), 0o755))
			name := filepath.Join(root, "p", "p.go")
			require.NoError(t, os.WriteFile(name, []byte(tc.content), 0o644))
			originals, err := applyPatch(root, tc.patch)
			got, readErr := os.ReadFile(name)
			require.NoError(t, readErr)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				assert.Equal(t, tc.content, string(got), "a patch that does not apply changes nothing")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(got))
			require.NoError(t, restoreFiles(root, originals))
			got, err = os.ReadFile(name)
			require.NoError(t, err)
			assert.Equal(t, tc.content, string(got), "restoreFiles undoes the patch")
		})
	}
}

func TestCopyModuleTakesOnlyWhatABuildNeeds(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "copy")
	write := func(rel, content string) {
		p := filepath.Join(src, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	write("go.mod", "module m\n")
	write("go.sum", "")
	write("README.md", "# m\n")
	write("a/a.go", "package a\n")
	write("a/testdata/case.txt", "data\n")
	write("a/templates/page.tmpl", "<p>\n")
	write("a/a.test", "\x7fELF...")
	write("cmd/m/main.go", "package main\n")
	write("cmd/m/m", "\x7fELF binary")
	write("cmd/m/zoo/x.patch", "--- a/x\n")
	write(".git/HEAD", "ref\n")
	write("a/.hidden/x.go", "package x\n")
	write("store/run/results.json", "{}\n")
	write("deploy/Dockerfile", "FROM scratch\n")
	require.NoError(t, copyModule(src, dst))

	var got []string
	require.NoError(t, filepath.WalkDir(dst, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dst, p)
			got = append(got, filepath.ToSlash(rel))
		}
		return err
	}))
	sort.Strings(got)
	assert.Equal(t, []string{"a/a.go", "a/templates/page.tmpl", "a/testdata/case.txt", "cmd/m/main.go", "cmd/m/zoo/x.patch", "go.mod", "go.sum"}, got)
}

func TestSeedsFor99(t *testing.T) {
	for _, tc := range []struct {
		p    float64
		want int // 0: none suffices
	}{
		{p: 0, want: 0},
		{p: 1, want: 1},
		{p: 0.5, want: 7}, // 0.5^7 < 0.01 <= 0.5^6
		{p: 0.1, want: 44},
		{p: 0.01, want: 459},
		{p: 0.99, want: 1},
	} {
		got := seedsFor99(tc.p)
		if tc.want == 0 {
			assert.Nil(t, got, "p=%v", tc.p)
			continue
		}
		require.NotNil(t, got, "p=%v", tc.p)
		assert.Equal(t, tc.want, *got, "p=%v", tc.p)
	}
}

func TestSummarizeZooStarts(t *testing.T) {
	bug := zooPatches[0]
	hit := func(seeds int, checkers ...string) zooStart {
		return zooStart{SeedsRun: seeds, Detected: true, Checkers: checkers}
	}
	miss := zooStart{SeedsRun: 60}
	for _, tc := range []struct {
		name       string
		starts     []zooStart
		median     *float64
		max        *int
		caughtBy   string
		detected   int
		seedsRun   int
		findOrZero int
	}{
		{name: "all caught", starts: []zooStart{hit(3, "linearizability"), hit(1, "invariants", "linearizability"), hit(5, "invariants")},
			median: ptr(3.0), max: ptr(5), caughtBy: "invariants", detected: 3, seedsRun: 9, findOrZero: 12},
		{name: "even count averages the middle two", starts: []zooStart{hit(2, "a"), hit(4, "a"), hit(6, "a"), hit(10, "a")},
			median: ptr(5.0), max: ptr(10), caughtBy: "a", detected: 4, seedsRun: 22, findOrZero: 23},
		{name: "one miss: no maximum within the cap", starts: []zooStart{hit(2, "a"), miss, hit(4, "b")},
			median: ptr(4.0), caughtBy: "a", detected: 2, seedsRun: 66, findOrZero: 150},
		{name: "mostly missed: no median either", starts: []zooStart{miss, hit(7, "a"), miss},
			caughtBy: "a", detected: 1, seedsRun: 127, findOrZero: 583},
		{name: "never caught", starts: []zooStart{miss, miss}, seedsRun: 120},
	} {
		t.Run(tc.name, func(t *testing.T) {
			row := summarizeZooStarts(bug, 60, tc.starts)
			assert.Equal(t, tc.median, row.MedianSeeds)
			assert.Equal(t, tc.max, row.MaxSeeds)
			assert.Equal(t, tc.caughtBy, row.CaughtBy)
			assert.Equal(t, tc.detected, row.StartsDetected)
			assert.Equal(t, tc.detected > 0, row.Detected)
			assert.Equal(t, tc.seedsRun, row.SeedsRun)
			if tc.findOrZero == 0 {
				assert.Nil(t, row.Findability)
			} else {
				require.NotNil(t, row.Findability)
				assert.Equal(t, tc.findOrZero, *row.Findability)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestScanZooSoak(t *testing.T) {
	seeds := func(vs ...checker.Validity) *soakSummary {
		s := &soakSummary{}
		for i, v := range vs {
			s.Seeds = append(s.Seeds, seedVerdict{Seed: uint64(101 + i), Valid: v, Summary: "linearizability=" + v.String() + ": x"})
		}
		return s
	}
	for _, tc := range []struct {
		name    string
		sum     *soakSummary
		ran     int
		found   bool
		seed    uint64
		unknown int
	}{
		{name: "all valid", sum: seeds(checker.Valid, checker.Valid), ran: 2},
		{name: "invalid third", sum: seeds(checker.Valid, checker.Valid, checker.Invalid, checker.Invalid), ran: 3, found: true, seed: 103},
		{name: "unknown is not a detection", sum: seeds(checker.Valid, checker.Unknown), ran: 2, unknown: 1},
		{name: "unknown then invalid", sum: seeds(checker.Unknown, checker.Invalid), ran: 2, found: true, seed: 102, unknown: 1},
		{name: "a gap ends the scan", sum: &soakSummary{Seeds: []seedVerdict{{Seed: 101, Valid: checker.Valid}, {Seed: 103, Valid: checker.Invalid}}}, ran: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var st zooStart
			ran, found := scanZooSoak(tc.sum, 101, &st)
			assert.Equal(t, tc.ran, ran)
			assert.Equal(t, tc.found, found)
			assert.Equal(t, tc.seed, st.Seed)
			assert.Equal(t, tc.unknown, st.Unknown)
			if found {
				assert.Equal(t, []string{"linearizability"}, st.Checkers, "from the summary line when the run directory is gone")
			}
		})
	}
}

func TestZooRejectsBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--bug", "heisenbug"}, `unknown bug "heisenbug"`},
		{[]string{"--bug", "figure8-commit,heisenbug"}, `unknown bug "heisenbug"`},
		{[]string{"--starts", "0"}, "--starts must be at least 1"},
		{[]string{"--max-seeds", "0"}, "--max-seeds must be between 1 and 1000"},
		{[]string{"--max-seeds", "1001"}, "--max-seeds must be between 1 and 1000"},
		{[]string{"--workers", "0"}, "--workers must be at least 1"},
		{[]string{"--start-timeout", "0s"}, "--start-timeout must be positive"},
		{[]string{"--src", "/nonexistent/raftcheck"}, "no go.mod there"},
		{[]string{"--frobnicate"}, "flag provided but not defined"},
		{[]string{"stray"}, `unexpected argument "stray"`},
	} {
		code, _, stderr := runCLI(t, append([]string{"zoo"}, tc.args...)...)
		assert.Equal(t, exitError, code, "%v", tc.args)
		assert.Contains(t, stderr, tc.want, "%v", tc.args)
		assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
	}
	code, _, stderr := runCLI(t, "run", "--bug", "heisenbug")
	assert.Equal(t, exitError, code)
	assert.Contains(t, stderr, `unknown bug "heisenbug"`)
}

// A patch whose code was edited since it was made stops the zoo with one
// line naming the bug, and exit 3, before anything is soaked.
func TestZooNamesAPatchThatNoLongerApplies(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	require.NoError(t, copyModule(moduleRoot(t), src))
	name := filepath.Join(src, "raft", "replication.go")
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	edited := strings.Replace(string(b), "!ok || t != r.term", "!ok || r.term != t", 1)
	require.NotEqual(t, string(b), edited, "the line figure8-commit patches is still there")
	require.NoError(t, os.WriteFile(name, []byte(edited), 0o644))

	code, stdout, stderr := runCLI(t, "zoo", "--bug", "figure8-commit", "--src", src, "--starts", "1", "--max-seeds", "1")
	assert.Equal(t, exitError, code, stdout)
	assert.Contains(t, stderr, "bug figure8-commit: patch figure8-commit.patch no longer applies")
	assert.Contains(t, stderr, "raft/replication.go: hunk 1")
	assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
}
