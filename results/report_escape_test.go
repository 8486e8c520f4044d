package results

import (
	"encoding/json"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
)

const evil = `<script>alert(1)</script>`

// evilRun is a run in which every value that comes from a history, a
// configuration, the faults or the Raft samples is a script.
func evilRun(t *testing.T) Report {
	t.Helper()
	s := newSynth(t, 400, 4, 2, 8)
	for i := range s.history {
		if s.history[i].Key == "k1" {
			s.history[i].Key = evil
		}
	}
	c := s.check(t)
	end := s.history[len(s.history)-1].Time
	n := len(s.history)
	s.history = append(s.history,
		checker.Event{Index: n, Type: checker.Invoke, F: evil, Key: evil, Value: checker.Value(evil), Process: 99, Time: end + 1e6},
		checker.Event{Index: n + 1, Type: checker.Info, F: evil, Key: evil, Value: checker.Value(evil), Process: 99, Time: end + 2e6, Error: evil},
	)
	r := s.run
	r.Test, r.Replay = evil, "raftcheck run --seed 8 "+evil
	r.Config = Raw(map[string]any{"workload": evil, evil: 1})
	faults := []Fault{{Kind: evil, Group: evil, Start: 1e9, End: 2e9, Description: evil, Nodes: []string{evil}}, {Kind: "kill-one", Group: "kill", Start: 3e9, End: 4e9, Description: evil, Nodes: []string{evil}}}
	r.Faults = Raw(faults)
	r.FaultWorld = Raw(map[string]any{"nemesis": map[string]any{"kinds": []string{evil}}})
	r.Clocks = Raw(map[string]any{"exceeded": true, "reason": evil})
	r.Network = Raw(map[string]any{evil: 1})
	r.Disks = Raw(map[string]any{evil: map[string]any{"writes": 1}})
	r.Checkers["liveness"] = checker.Result{Valid: checker.Unknown, Summary: evil, Details: map[string]any{"bound": evil}}
	r.Valid = r.Checkers.Valid()
	raft := append(synthRaft(end), checker.RaftSample{At: 1e9, Node: evil, Life: lifeUp, State: stateLead, Term: 9, Commit: 3})
	return Report{Run: r, History: s.history, Raft: raft, Linearizability: c.Linearizability}
}

// part is the page from the element with the given id to the end of its
// section.
func part(t *testing.T, page, id string) string {
	t.Helper()
	i := strings.Index(page, `id="`+id+`"`)
	require.GreaterOrEqual(t, i, 0, "no element %s", id)
	rest := page[i:]
	if j := strings.Index(rest, "</section>"); j >= 0 {
		return rest[:j]
	}
	return rest
}

// TestEveryValueIsEscaped: a script in an operation's value, key, function
// or error, in the configuration, the faults, the counters, the Raft
// samples or a checker's summary shows as text in every view — the page's
// tables, the SVG charts' labels and titles, and Porcupine's page inside
// the iframe — and never becomes a script.
func TestEveryValueIsEscaped(t *testing.T) {
	page := render(t, evilRun(t))
	lower := strings.ToLower(page)
	assert.NotContains(t, lower, "<script>alert", "a script from the data is in the page")
	assert.Equal(t, 1, strings.Count(lower, "<script"), "the page's only script is its own")

	text := html.EscapeString(evil)
	for _, tc := range []struct{ id, want string }{
		{"verdict", "<h1><span id=\"verdict-word\">unknown</span> · " + text},
		{"replay", text},
		{"checker-liveness", "<p class=\"summary\">" + text + "</p>"},
		{"checker-liveness", "<td>" + text + "</td>"},
		{"history-table", "<td>" + text + "</td>"},
		{"history-table", "<code>&#34;" + text + "&#34;</code>"},
		{"timeline-svg", "key " + text},
		{"timeline-svg", "<title>" + text},
		{"latency-svg", "process 99: " + text},
		{"raft-leaders-svg", ">" + text + "</text>"},
		{"raft-commit-svg", "<title>" + text + " commit index</title>"},
		{"config-table", "<td>" + text + "</td>"},
		{"config-table", "<th>" + text + "</th>"},
		{"faults-table", "<td>" + text + "</td>"},
		{"fault-world-table", "<td>" + text + "</td>"},
		{"clocks-table", "<td>" + text + "</td>"},
		{"network-table", "<th>" + text + "</th>"},
		{"disks", "<td>" + text + "</td>"},
	} {
		p := part(t, page, tc.id)
		if !strings.Contains(p, tc.want) {
			t.Errorf("%s does not show the script as text %q", tc.id, tc.want)
		}
	}

	// Porcupine's page is the iframe's srcdoc attribute: escaped once for
	// the attribute, and inside it the data is JSON that cannot close its
	// script element, with the key (which porcupine shows as HTML) escaped
	// for HTML.
	m := regexp.MustCompile(`srcdoc="([^"]*)"`).FindStringSubmatch(page)
	require.NotNil(t, m)
	inner := html.UnescapeString(m[1])
	innerLower := strings.ToLower(inner)
	assert.NotContains(t, innerLower, "<script>alert")
	assert.Equal(t, 1, strings.Count(innerLower, "<script"), "Porcupine's page has one script, its own")
	assert.Equal(t, 1, strings.Count(innerLower, "</script"))
	at := strings.Index(inner, "const data = ")
	require.Positive(t, at)
	data := inner[at+len("const data = "):]
	data = data[:strings.Index(data, "\n")]
	var viz struct {
		Partitions []struct {
			History []struct{ Metadata string }
		}
		Annotations []struct{ Description, Details, Tag string }
	}
	require.NoError(t, json.Unmarshal([]byte(data), &viz), "the data is the JSON porcupine reads")
	var meta, ann, tag bool
	for _, p := range viz.Partitions {
		for _, h := range p.History {
			meta = meta || strings.Contains(h.Metadata, text)
		}
	}
	for _, a := range viz.Annotations {
		ann = ann || strings.Contains(a.Description, evil) // drawn with textContent
		tag = tag || a.Tag == evil
	}
	assert.True(t, meta, "the key is in the hover text, escaped for HTML")
	assert.True(t, ann, "the fault is an annotation, drawn as text")
	assert.True(t, tag, "the crashed node has its own row, drawn as text")
}
