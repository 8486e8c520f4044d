package results

import (
	"fmt"

	"raftcheck/checker"
)

// The colours of annotations in Porcupine's view, by what they show.
var annotationColors = map[string]string{
	"partition": "#f4cccc", "kill": "#d9d9d9", "pause": "#e4d7f5", "clock": "#fff2cc",
	"packet": "#cfe2f3", "disk": "#fce5cd", "leader": "#d9ead3",
}

// maxLeaderAnnotations bounds the leaderships laid over Porcupine's view.
const maxLeaderAnnotations = 300

// Annotations lay what the world did over Porcupine's visualization: every
// fault on the "nemesis" row; crashes and pauses also on the row of each
// node they hit (from the faults' nodes), so that a restart shows where
// the crash ends; and, from the Raft samples, who led in which term, on
// the "leader" row. end is the run's end, for faults still in force.
func Annotations(faults []Fault, samples []checker.RaftSample, end int64) []checker.Annotation {
	var as []checker.Annotation
	for _, f := range faults {
		e := f.endOr(end)
		as = append(as, checker.Annotation{Tag: "nemesis", Start: f.Start, End: e, Description: f.Kind + " " + f.Description,
			Details: faultTitle(f, end), Color: annotationColors[f.Group]})
		what := ""
		switch f.Group {
		case "kill":
			what = "crashed"
		case "pause":
			what = "paused"
		default:
			continue
		}
		for _, n := range f.Nodes {
			as = append(as, checker.Annotation{Tag: n, Start: f.Start, End: e, Description: what,
				Details: fmt.Sprintf("%s %s by %s from %s; %s at %s", n, what, f.Kind, dur(f.Start), restartWord(f.Group), dur(e)),
				Color:   annotationColors[f.Group]})
		}
	}
	nodes, by := samplesByNode(samples)
	n := 0
	for _, sp := range raftSpans(nodes, by, end) {
		if sp.kind != "leader" || n == maxLeaderAnnotations {
			continue
		}
		n++
		as = append(as, checker.Annotation{Tag: "leader", Start: sp.start, End: sp.end,
			Description: fmt.Sprintf("%s t%d", sp.node, sp.term),
			Details:     fmt.Sprintf("%s led term %d from %s to %s", sp.node, sp.term, dur(sp.start), dur(sp.end)),
			Color:       annotationColors["leader"]})
	}
	return as
}

func restartWord(group string) string {
	if group == "kill" {
		return "restarted"
	}
	return "resumed"
}
