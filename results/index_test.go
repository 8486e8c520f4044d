package results

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
)

// commitRun writes a run through the store, as a real run does.
func commitRun(t *testing.T, s *Store, test string, seed uint64, at time.Time, valid checker.Validity) string {
	t.Helper()
	d, err := s.Begin(test, seed, at)
	require.NoError(t, err)
	r := &Run{Valid: valid, Test: test, Seed: seed, Config: Raw(map[string]any{"seed": seed}), Ops: int(seed) * 10, SimSeconds: 5, Started: at,
		Checkers: checker.Results{"linearizable": {Valid: valid}}}
	require.NoError(t, d.WriteJSON(FileResults, r))
	require.NoError(t, d.Commit())
	return d.Path()
}

func TestWriteIndexListsEveryRunNewestFirst(t *testing.T) {
	root := t.TempDir()
	s := &Store{Root: root}
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	commitRun(t, s, "register-partition", 1, t0, checker.Valid)
	commitRun(t, s, "set-none", 2, t0.Add(time.Minute), checker.Invalid)
	commitRun(t, s, "register-partition", 3, t0.Add(2*time.Minute), checker.Unknown)
	// A run being written, a run without results.json, a damaged one and
	// a stray file are not listed, and do not stop the index.
	require.NoError(t, os.MkdirAll(filepath.Join(root, "register-partition", ".tmp-20261125T110000.000Z-s4-123"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "register-partition", "20261125T110100.000Z-s5"), 0o755))
	damaged := filepath.Join(root, "set-none", "20261125T110200.000Z-s6")
	require.NoError(t, os.MkdirAll(damaged, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(damaged, FileResults), []byte("{not json"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(root, "notes.txt"), []byte("x"), 0o644))

	require.NoError(t, WriteIndex(root))
	b, err := os.ReadFile(filepath.Join(root, "index.html"))
	require.NoError(t, err)
	page := string(b)
	rows := strings.Split(page, "<tr><td>")[1:]
	require.Len(t, rows, 3)
	for i, want := range []struct{ seed, verdict, test string }{{"3", "unknown", "register-partition"}, {"2", "invalid", "set-none"}, {"1", "valid", "register-partition"}} {
		assert.Contains(t, rows[i], `<td class="num">`+want.seed+`</td>`, "row %d", i)
		assert.Contains(t, rows[i], `<td class="v `+want.verdict+`">`+want.verdict+`</td>`, "row %d", i)
		assert.Contains(t, rows[i], `<td>`+want.test+`</td>`, "row %d", i)
		assert.Contains(t, rows[i], `href="`+want.test+`/`, "row %d links to its run", i)
		for _, f := range []string{FileReport, FileResults, FileHistory} {
			assert.Contains(t, rows[i], "-s"+want.seed+"/"+f+`"`, "row %d links to %s", i, f)
		}
	}
	assert.Contains(t, page, "2 run directories have no readable results.json")
	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	for _, e := range entries {
		assert.False(t, strings.HasPrefix(e.Name(), ".index-"), "temporary %s left behind", e.Name())
	}

	// Rewritten after another run, whole.
	commitRun(t, s, "set-none", 7, t0.Add(time.Hour), checker.Valid)
	require.NoError(t, WriteIndex(root))
	b, err = os.ReadFile(filepath.Join(root, "index.html"))
	require.NoError(t, err)
	assert.Len(t, strings.Split(string(b), "<tr><td>")[1:], 4)
	assert.True(t, strings.HasSuffix(strings.TrimSpace(string(b)), "</html>"))
}

func TestWriteIndexEscapesAndFailsOnlyWithoutAStore(t *testing.T) {
	root := t.TempDir()
	s := &Store{Root: root}
	// A test name cannot hold a slash, so this is as much script as one
	// can be.
	commitRun(t, s, "<script>alert(1)x", 1, time.Now(), checker.Valid)
	require.NoError(t, WriteIndex(root))
	b, err := os.ReadFile(filepath.Join(root, "index.html"))
	require.NoError(t, err)
	assert.NotContains(t, strings.ToLower(string(b)), "<script>alert")
	assert.Contains(t, string(b), "&lt;script&gt;alert(1)x")
	assert.Error(t, WriteIndex(filepath.Join(root, "missing")))
}
