package checker

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

// Annotation lays something that is not a client operation over a
// visualization: a fault the nemesis injected, a crash, a leader change.
type Annotation struct {
	// Tag names the row the annotation is drawn on, such as "nemesis" or
	// "n1"; empty means "annotations".
	Tag string
	// Start and End are virtual nanoseconds since the run began; an End
	// before Start means a point in time.
	Start, End int64
	// Description is drawn on the timeline, Details shown on hover.
	Description, Details string
	// Color is a CSS background colour, such as "#fdd"; empty means the
	// default.
	Color string
}

// Visualize writes porcupine's visualization of the check, one
// self-contained HTML file, with annotations over it. It shows the keys
// that decided the verdict: the invalid keys if there are any, else the
// unknown ones if there are any, else every key; at most
// MaxVisualizedKeys of them, the first to appear, so that the page of a
// long run is drawn in time and memory proportional to what a reader can
// look at, not to the run (issue 16). The file is the same for
// the same check and annotations.
//
// Rows are client processes in process order (the row number is not the
// process: hovering an operation names it); info operations never return,
// so they reach past the end of the history.
func (l *Linearizability) Visualize(w io.Writer, annotations []Annotation) error {
	return l.VisualizeKeys(w, l.decisiveKeys(), annotations)
}

// VisualizeKeys is Visualize showing the given keys, in that order.
func (l *Linearizability) VisualizeKeys(w io.Writer, keys []string, annotations []Annotation) error {
	byName := map[string]*linKey{}
	for _, k := range l.keys {
		byName[k.key] = k
	}
	shown := make([]*linKey, 0, len(keys))
	for _, name := range keys {
		k, ok := byName[name]
		if !ok {
			return fmt.Errorf("visualize: key %q is not in the history", name)
		}
		shown = append(shown, k)
	}
	prefix, suffix, err := vizTemplate()
	if err != nil {
		return err
	}
	data, err := json.Marshal(l.vizData(shown, annotations))
	if err != nil {
		return fmt.Errorf("visualize: %w", err)
	}
	var buf bytes.Buffer
	buf.Grow(len(prefix) + len(data) + len(suffix))
	buf.WriteString(prefix)
	buf.Write(data)
	buf.WriteString(suffix)
	_, err = w.Write(buf.Bytes())
	return err
}

func (l *Linearizability) decisiveKeys() []string {
	var invalid, unknown, all []string
	for _, k := range l.keys {
		all = append(all, k.key)
		switch k.valid() {
		case Invalid:
			invalid = append(invalid, k.key)
		case Unknown:
			unknown = append(unknown, k.key)
		}
	}
	shown := all
	switch {
	case len(invalid) > 0:
		shown = invalid
	case len(unknown) > 0:
		shown = unknown
	}
	return shown[:min(len(shown), MaxVisualizedKeys)]
}

// MaxVisualizedKeys is how many keys Visualize draws at most.
const MaxVisualizedKeys = 100

// The data porcupine's visualization script (v1.3.1) draws. Porcupine
// builds it from a LinearizationInfo, one per check; we build it ourselves
// because we check each key separately, order by history index, and must
// draw the same file every time (porcupine lists partial linearizations in
// map order).
type vizData struct {
	Partitions  []vizPartition
	Annotations []vizAnnotation
}

type vizPartition struct {
	History               []vizOp
	PartialLinearizations [][]vizStep
	// Largest maps an operation to the longest partial linearization
	// holding it.
	Largest map[int]int
}

type vizOp struct {
	ClientId                   int
	Start, End                 int64
	OriginalStart, OriginalEnd string // shown on hover, as HTML
	Description                string // drawn as text
	Metadata                   string // shown on hover, as HTML
}

type vizStep struct {
	Index            int
	StateDescription string // shown on hover, as HTML
}

type vizAnnotation struct {
	ClientId                   int
	Tag                        string
	Start, End                 int64
	Description, Details       string // drawn as text
	Annotation                 bool
	TextColor, BackgroundColor string
}

// vizScale spaces timestamps apart: the script nudges equal timestamps
// by small amounts and expects at least 100 between distinct ones.
const vizScale = 100

func (l *Linearizability) vizData(shown []*linKey, annotations []Annotation) vizData {
	data := vizData{Partitions: []vizPartition{}, Annotations: []vizAnnotation{}}
	var last int64 // the latest timestamp drawn
	var procs []Process
	for _, k := range shown {
		for j, p := range k.pops {
			procs = append(procs, k.ops[j].rec.Process)
			last = max(last, p.Call)
			if p.Return != forever {
				last = max(last, p.Return)
			}
		}
	}
	for _, a := range annotations {
		start := l.tl.at(a.Start, true)
		end := l.tl.at(max(a.Start, a.End), false)
		last = max(last, end)
		tag := a.Tag
		if tag == "" {
			tag = "annotations"
		}
		data.Annotations = append(data.Annotations, vizAnnotation{
			Tag: tag, Start: start * vizScale, End: end * vizScale,
			Description: a.Description, Details: a.Details, Annotation: true,
			BackgroundColor: a.Color,
		})
	}
	slices.Sort(procs)
	procs = slices.Compact(procs)
	never := (last + 2) * vizScale // info operations: past everything drawn
	for _, k := range shown {
		data.Partitions = append(data.Partitions, l.vizPartition(k, procs, never))
	}
	return data
}

func (l *Linearizability) vizPartition(k *linKey, procs []Process, never int64) vizPartition {
	part := vizPartition{History: make([]vizOp, len(k.ops)), PartialLinearizations: [][]vizStep{}, Largest: map[int]int{}}
	for j, op := range k.ops {
		r := &op.rec
		row, _ := slices.BinarySearch(procs, r.Process)
		v := vizOp{
			ClientId:      row,
			Start:         k.pops[j].Call * vizScale,
			End:           k.pops[j].Return * vizScale,
			OriginalStart: vizTime(r.Call, r.Invoke),
			OriginalEnd:   vizTime(r.Return, r.Complete),
			Description:   op.describe(),
			Metadata:      html.EscapeString(vizWho(r)),
		}
		if !r.Known {
			v.End = never
			v.OriginalEnd = "never (outcome unknown)"
			if r.Complete >= 0 {
				v.OriginalEnd = "never (outcome unknown: info at " + vizTime(r.Return, r.Complete) + ")"
			}
		}
		part.History[j] = v
	}
	for i, partial := range k.partials {
		steps := make([]vizStep, len(partial))
		state := l.model.Init()
		for s, id := range partial {
			_, state = l.model.Step(state, k.pops[id].Input, nil)
			steps[s] = vizStep{Index: id, StateDescription: html.EscapeString(l.model.DescribeState(state))}
			if _, seen := part.Largest[id]; !seen {
				part.Largest[id] = i // partials are longest first
			}
		}
		part.PartialLinearizations = append(part.PartialLinearizations, steps)
	}
	return part
}

func vizTime(t int64, index int) string {
	return fmt.Sprintf("%v (event %d)", time.Duration(t), index)
}

func vizWho(r *opRecord) string {
	who := fmt.Sprintf("process %v", r.Process)
	if r.Key != "" {
		who += fmt.Sprintf(", key %q", r.Key)
	}
	return who
}

// vizTemplate is porcupine's visualization page cut around its data: the
// page with an empty history, split where the data goes.
func vizTemplate() (prefix, suffix string, err error) {
	p, err := vizPage()
	return p[0], p[1], err
}

var vizPage = sync.OnceValues(func() ([2]string, error) {
	var buf bytes.Buffer
	m := porcupine.Model{Init: func() any { return nil }, Step: func(s, _, _ any) (bool, any) { return true, s }}
	if err := porcupine.Visualize(m, porcupine.LinearizationInfo{}, &buf); err != nil {
		return [2]string{}, fmt.Errorf("visualize: porcupine: %w", err)
	}
	page := buf.String()
	const marker, empty = "const data = ", `{"Partitions":[],"Annotations":[]}`
	at := strings.LastIndex(page, marker+empty)
	if at < 0 {
		return [2]string{}, fmt.Errorf("visualize: porcupine's page has no %q: its template changed", marker+empty)
	}
	at += len(marker)
	return [2]string{page[:at], page[at+len(empty):]}, nil
})
