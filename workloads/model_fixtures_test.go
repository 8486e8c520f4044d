package workloads_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
	"raftcheck/workloads"
)

// fixtureModels are the models with fixtures, longest name first so that
// "list-append" is not taken for a model named "list".
var fixtureModels = []string{"list-append", "register", "counter", "set"}

// firstIllegal is where each -bad fixture must be reported to go wrong:
// the key, and the history indexes of the first illegal operation's
// invocation and completion.
var firstIllegal = map[string]struct {
	key              string
	invoke, complete int
}{
	"lin-register-stale-read-bad.jsonl": {"x", 6, 8},
	"lin-register-info-write-bad.jsonl": {"x", 2, 3},
	"lin-register-failed-cas-bad.jsonl": {"c", 6, 7},
	"lin-register-info-cas-bad.jsonl":   {"e", 4, 5},
	"lin-register-many-keys-bad.jsonl":  {"k4", 58, 59},
	"lin-counter-duplicate-bad.jsonl":   {"c", 4, 5},
	"lin-counter-backwards-bad.jsonl":   {"c", 6, 7},
	"lin-set-missing-add-bad.jsonl":     {"s", 6, 7},
	"lin-set-lost-element-bad.jsonl":    {"s", 6, 7},
	"lin-list-append-prefix-bad.jsonl":  {"l", 8, 9},
}

// fixtureName reads a fixture's model and expected verdict from its name,
// lin-<model>-<what>-<ok|bad>.jsonl; the model is empty if it names none.
func fixtureName(name string) (string, checker.Validity) {
	want := checker.Valid
	switch {
	case strings.HasSuffix(name, "-bad.jsonl"):
		want = checker.Invalid
	case !strings.HasSuffix(name, "-ok.jsonl"):
		return "", checker.Unknown
	}
	for _, m := range fixtureModels {
		if strings.HasPrefix(name, "lin-"+m+"-") {
			return m, want
		}
	}
	return "", want
}

// TestFixtures checks every checker/testdata/lin-<model>-<what>-<verdict>.jsonl
// against its model: -ok fixtures must be valid, -bad ones invalid, with
// the first illegal operation where firstIllegal says.
func TestFixtures(t *testing.T) {
	files, err := filepath.Glob("../checker/testdata/lin-*.jsonl")
	require.NoError(t, err)
	seen := map[string]int{}
	for _, path := range files {
		name := filepath.Base(path)
		model, want := fixtureName(name)
		seen[model+" "+want.String()]++
		t.Run(name, func(t *testing.T) {
			require.NotEmpty(t, model, "the fixture's name must be lin-<model>-<what>-<ok|bad>.jsonl")

			f, err := os.Open(path)
			require.NoError(t, err)
			defer f.Close()
			h, err := checker.ReadJSONL(f, name)
			require.NoError(t, err)
			var info bool
			for _, e := range h {
				info = info || e.Type == checker.Info && e.Process != checker.Nemesis
			}
			assert.True(t, info, "every fixture has info operations")

			check, ok := workloads.Linearizable(model)
			require.True(t, ok)
			lin, err := check(h, 10*time.Second)
			require.NoError(t, err)
			r := lin.Result()
			require.Equal(t, want, r.Valid, r.Summary)
			d := r.Details.(checker.LinearizabilityDetails)
			if want == checker.Valid {
				assert.Empty(t, d.Failures)
				return
			}
			exp, ok := firstIllegal[name]
			require.True(t, ok, "firstIllegal has no entry for %s", name)
			require.NotEmpty(t, d.Failures)
			fail := d.Failures[0]
			assert.Equal(t, exp.key, fail.Key)
			require.NotEmpty(t, fail.Illegal)
			first := fail.Illegal[0]
			assert.Equal(t, exp.invoke, first.Invoke, "first illegal op %+v", first)
			assert.Equal(t, exp.complete, first.Complete, "first illegal op %+v", first)
			assert.Equal(t, h[exp.invoke].Process, first.Process)
			assert.Equal(t, h[exp.invoke].F, first.F)
			assert.JSONEq(t, string(h[exp.complete].Value), string(first.Value))
			assert.Equal(t, []string{exp.key}, d.InvalidKeys)
			assert.Contains(t, r.Summary, first.Op)
		})
	}
	for _, m := range fixtureModels {
		assert.GreaterOrEqual(t, seen[m+" true"], 1, "%s has no -ok fixture", m)
		assert.GreaterOrEqual(t, seen[m+" false"], 1, "%s has no -bad fixture", m)
	}
}
