package main

import (
	"bytes"
	"os/exec"
	"path"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The import rules of DESIGN §1, checked on the module's real import graph
// (go list, without tests: a package's tests may import what they like).
//
// Read a rule as "packages under From may import, of ours, only packages
// under one of May". The first rule whose From matches a package is its
// rule; a package no rule matches may import anything but cmd. Nothing
// imports cmd, whatever the rules say.
var layering = []struct {
	From string
	May  []string
	Why  string
}{
	{"raft", []string{"raft"}, "the Raft core is pure: it imports nothing of ours"},
	{"checker", []string{"checker"}, "checker checks histories anyone wrote: it imports nothing of ours"},
	{"nemesis", []string{"nemesis", "checker"}, "nemesis breaks a Target it does not know: it imports no harness package"},
	{"workloads", []string{"workloads", "checker"}, "a workload is its operations and models, over checker's history types"},
	{"results", []string{"results", "checker"}, "the store and reports read runs as checker's types"},
	// The packages that compose a run sit above nemesis and workloads.
	{"harness/run", []string{"harness", "raft", "checker", "nemesis", "workloads"}, "run composes a test"},
	{"harness/sweep", []string{"harness", "raft", "checker", "nemesis"}, "sweep composes the Raft seed sweep"},
	{"harness/simtarget", []string{"harness", "raft", "checker", "nemesis"}, "simtarget adapts the simulated world to nemesis"},
	{"harness/maelstrom", []string{"harness", "checker", "nemesis", "workloads"}, "maelstrom composes a run of real processes"},
	// Everything else of harness is below them.
	{"harness", []string{"harness", "raft", "checker"}, "the simulated world and the systems in it know nothing of nemesis, workloads or results"},
}

const modulePath = "raftcheck"

// composers are the harness packages above nemesis; the rest of harness
// must not import them.
var composers = []string{"harness/run", "harness/sweep", "harness/simtarget", "harness/maelstrom"}

// under reports whether pkg is dir or inside it (both module-relative).
func under(pkg, dir string) bool { return pkg == dir || strings.HasPrefix(pkg, dir+"/") }

// layeringViolations checks an import graph (module-relative package ->
// module-relative imports of ours) and returns one line per forbidden
// import, sorted.
func layeringViolations(graph map[string][]string) []string {
	var out []string
	for pkg, imports := range graph {
		for _, imp := range imports {
			if under(imp, "cmd") {
				out = append(out, pkg+" imports "+imp+": nothing imports cmd")
				continue
			}
			for _, rule := range layering {
				if !under(pkg, rule.From) {
					continue
				}
				allowed := false
				for _, may := range rule.May {
					allowed = allowed || under(imp, may)
				}
				if rule.From == "harness" {
					for _, c := range composers {
						allowed = allowed && !under(imp, c)
					}
				}
				if !allowed {
					out = append(out, pkg+" imports "+imp+": "+rule.Why)
				}
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// moduleGraph is the module's import graph as go list reports it.
func moduleGraph(t *testing.T) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, modulePath+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go list: %s", stderr.String())
	graph := map[string][]string{}
	ours := func(p string) (string, bool) {
		if p == modulePath {
			return ".", true
		}
		rel, ok := strings.CutPrefix(p, modulePath+"/")
		return path.Clean(rel), ok
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, ok := ours(fields[0])
		require.True(t, ok, "go list named %q, outside the module", fields[0])
		graph[pkg] = []string{}
		for _, imp := range fields[1:] {
			if rel, ok := ours(imp); ok {
				graph[pkg] = append(graph[pkg], rel)
			}
		}
	}
	return graph
}

func TestTheTreeKeepsItsImportRules(t *testing.T) {
	graph := moduleGraph(t)
	for _, want := range []string{"raft", "checker", "nemesis", "harness", "harness/run", "cmd/raftcheck"} {
		require.Contains(t, graph, want, "go list saw the whole module")
	}
	assert.Empty(t, layeringViolations(graph))
}

// Each rule catches the import it forbids: a graph with one planted
// forbidden import per rule reports exactly those.
func TestLayeringCatchesForbiddenImports(t *testing.T) {
	clean := map[string][]string{
		"raft":              {"raft/quorum", "raft/tracker"},
		"raft/wal":          {"raft"},
		"checker":           {},
		"nemesis":           {},
		"workloads":         {"checker"},
		"results":           {"checker"},
		"harness":           {},
		"harness/cluster":   {"harness", "harness/client", "raft"},
		"harness/client":    {"checker", "harness", "harness/kv"},
		"harness/simtarget": {"harness", "harness/cluster", "nemesis"},
		"harness/run":       {"harness/simtarget", "nemesis", "workloads", "checker"},
		"cmd/raftcheck":     {"harness/run", "results", "nemesis"},
	}
	require.Empty(t, layeringViolations(clean))

	for _, tc := range []struct{ pkg, imp, why string }{
		{"raft", "harness", "the Raft core is pure"},
		{"raft/wal", "checker", "the Raft core is pure"},
		{"checker", "harness/run", "checker checks histories anyone wrote"},
		{"nemesis", "harness", "nemesis breaks a Target it does not know"},
		{"nemesis", "harness/cluster", "nemesis breaks a Target it does not know"},
		{"workloads", "harness/kv", "a workload is its operations"},
		{"results", "nemesis", "the store and reports"},
		{"harness/cluster", "nemesis", "the simulated world and the systems in it know nothing"},
		{"harness/cluster", "harness/run", "the simulated world and the systems in it know nothing"},
		{"harness/kv", "workloads", "the simulated world and the systems in it know nothing"},
		{"harness/run", "results", "run composes a test"},
		{"harness/run", "cmd/raftcheck", "nothing imports cmd"},
		{"results", "cmd/raftcheck", "nothing imports cmd"},
	} {
		t.Run(tc.pkg+"->"+tc.imp, func(t *testing.T) {
			graph := map[string][]string{}
			for k, v := range clean {
				graph[k] = append([]string(nil), v...)
			}
			graph[tc.pkg] = append(graph[tc.pkg], tc.imp)
			got := layeringViolations(graph)
			require.Len(t, got, 1, "%v", got)
			assert.Contains(t, got[0], tc.pkg+" imports "+tc.imp+": "+tc.why)
		})
	}
}
