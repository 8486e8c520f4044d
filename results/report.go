package results

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"sort"
)

//go:embed templates/report.html.tmpl
var templates embed.FS

var reportTemplate = template.Must(template.ParseFS(templates, "templates/report.html.tmpl"))

type reportChecker struct {
	Name, Valid, Class, Summary, Details string
}

type reportData struct {
	Run                            *Run
	Verdict, Class, Failed         string
	Checkers                       []reportChecker
	Config, Faults, Network, Disks string
	FaultWorld, Clocks             string
	Linearizability                string
}

// WriteReport writes a run's report.html: the verdict, the replay command,
// each checker's result with its details, the configuration, the faults and
// the world's counters. linearizability is the file name of Porcupine's
// visualization beside it ("" when there is none). Every value is escaped
// by html/template.
func WriteReport(w io.Writer, r *Run, linearizability string) error {
	d := reportData{
		Run:             r,
		Verdict:         verdictWord(r.Valid.String()),
		Class:           verdictClass(r.Valid.String()),
		Config:          indent(r.Config),
		Faults:          indent(r.Faults),
		Network:         indent(r.Network),
		Disks:           indent(r.Disks),
		FaultWorld:      indent(r.FaultWorld),
		Clocks:          indent(r.Clocks),
		Linearizability: linearizability,
	}
	names := make([]string, 0, len(r.Checkers))
	for n := range r.Checkers {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c := r.Checkers[n]
		details, err := json.MarshalIndent(c.Details, "", "  ")
		if err != nil {
			return fmt.Errorf("report: checker %s: %w", n, err)
		}
		d.Checkers = append(d.Checkers, reportChecker{Name: n, Valid: c.Valid.String(), Class: verdictClass(c.Valid.String()), Summary: c.Summary, Details: string(details)})
		if c.Valid.String() == "false" {
			if d.Failed != "" {
				d.Failed += ", "
			}
			d.Failed += n
		}
	}
	return reportTemplate.Execute(w, d)
}

func verdictWord(v string) string {
	switch v {
	case "true":
		return "valid"
	case "false":
		return "invalid"
	}
	return "unknown"
}

func verdictClass(v string) string { return verdictWord(v) }

func indent(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "(none)"
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return string(raw)
	}
	return buf.String()
}
