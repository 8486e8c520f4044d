package results

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"raftcheck/checker"
)

// checkerView is one checker's result as the report shows it: the
// verdict, the summary, and the details made into lists and tables.
type checkerView struct {
	Name, Valid, Class, Summary string
	Facts                       []fact
	Tables                      []table
}

// checkerOrder is the order the report lists checkers in: the ones that
// judge the data first; any others follow by name.
var checkerOrder = []string{"linearizable", "set", "counter", "list-append", "raft-invariants", "liveness", "stats", "perf"}

func sortedCheckers(rs checker.Results) []string {
	names := make([]string, 0, len(rs))
	for n := range rs {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int {
		ia, ib := slices.Index(checkerOrder, a), slices.Index(checkerOrder, b)
		if ia < 0 {
			ia = len(checkerOrder)
		}
		if ib < 0 {
			ib = len(checkerOrder)
		}
		if ia != ib {
			return ia - ib
		}
		if a < b {
			return -1
		}
		if a > b {
			return 1
		}
		return 0
	})
	return names
}

// details are the checkers' details decoded into the checker package's
// types. A fresh run holds those types already and one read back from
// results.json holds plain JSON, so both go through JSON.
type details struct {
	lin     *checker.LinearizabilityDetails
	set     *checker.SetDetails
	counter *checker.CounterDetails
	list    *checker.ListAppendDetails
	stats   *checker.StatsDetails
	perf    *checker.PerfDetails
	raw     map[string]json.RawMessage
}

func decodeDetails(rs checker.Results) details {
	d := details{raw: map[string]json.RawMessage{}}
	for name, r := range rs {
		if r.Details == nil {
			continue
		}
		b, err := json.Marshal(r.Details)
		if err != nil {
			continue
		}
		d.raw[name] = b
		switch name {
		case "linearizable":
			d.lin = decodeAs[checker.LinearizabilityDetails](b)
		case "set":
			d.set = decodeAs[checker.SetDetails](b)
		case "counter":
			d.counter = decodeAs[checker.CounterDetails](b)
		case "list-append":
			d.list = decodeAs[checker.ListAppendDetails](b)
		case "stats":
			d.stats = decodeAs[checker.StatsDetails](b)
		case "perf":
			d.perf = decodeAs[checker.PerfDetails](b)
		}
	}
	return d
}

func decodeAs[T any](b []byte) *T {
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return nil
	}
	return &v
}

// firstIllegal is the first operation the linearizability checker could
// not linearize, with where it failed.
func (d details) firstIllegal() (*checker.LinearizationFailure, *checker.IllegalOp) {
	if d.lin == nil || len(d.lin.Failures) == 0 || len(d.lin.Failures[0].Illegal) == 0 {
		return nil, nil
	}
	f := &d.lin.Failures[0]
	return f, &f.Illegal[0]
}

// maxFocus bounds the history indexes the checkers' details point at that
// the history table keeps rows for.
const maxFocus = 60

// focus are the history indexes the details point at, the most important
// first: the illegal operations, then the other checkers' witnesses.
func (d details) focus() []int {
	var out []int
	add := func(is ...int) {
		for _, i := range is {
			if i >= 0 && len(out) < maxFocus {
				out = append(out, i)
			}
		}
	}
	if d.lin != nil {
		for _, f := range d.lin.Failures {
			for _, op := range f.Illegal {
				add(op.Invoke, op.Complete)
			}
		}
	}
	if d.set != nil {
		for _, k := range d.set.ByKey {
			for _, w := range k.Witnesses {
				add(w.Read, w.Known)
			}
		}
		for _, m := range d.set.Malformed {
			add(m.Index)
		}
	}
	if d.counter != nil {
		for _, b := range d.counter.OutOfBounds {
			add(b.InvokeIndex, b.Index)
		}
		for _, b := range d.counter.Backwards {
			add(b.InvokeIndex, b.Index, b.Prior)
		}
		for _, m := range d.counter.Malformed {
			add(m.Index)
		}
	}
	if d.list != nil {
		for _, x := range d.list.Lost {
			add(x.Append, x.Read)
		}
		for _, x := range d.list.Diverged {
			add(x.Read, x.Other)
		}
		for _, x := range d.list.Stale {
			add(x.Earlier, x.Later)
		}
		for _, x := range d.list.Duplicated {
			add(x.Read)
		}
		for _, x := range d.list.Unexpected {
			add(x.Read)
		}
		for _, x := range d.list.Reordered {
			add(x.Read, x.FirstInvoke, x.SecondDone)
		}
		for _, m := range d.list.Malformed {
			add(m.Index)
		}
	}
	return out
}

// checkerViews presents every checker's result.
func checkerViews(rs checker.Results, d details, a anchors) []checkerView {
	var out []checkerView
	for _, name := range sortedCheckers(rs) {
		r := rs[name]
		v := checkerView{Name: name, Valid: r.Valid.String(), Class: verdictWord(r.Valid.String()), Summary: r.Summary}
		switch {
		case name == "linearizable" && d.lin != nil:
			linView(&v, d.lin, a)
		case name == "set" && d.set != nil:
			setView(&v, d.set, a)
		case name == "counter" && d.counter != nil:
			counterView(&v, d.counter, a)
		case name == "list-append" && d.list != nil:
			listView(&v, d.list, a)
		case name == "stats" && d.stats != nil:
			statsView(&v, d.stats)
		case name == "perf" && d.perf != nil:
			perfView(&v, d.perf)
		default:
			v.Facts, _ = facts(d.raw[name])
		}
		out = append(out, v)
	}
	return out
}

func num(n int) string { return commas(n) }

func linView(v *checkerView, d *checker.LinearizabilityDetails, a anchors) {
	v.Facts = []fact{
		{K: "operations checked", V: num(d.Ops)},
		{K: "of which info (outcome unknown)", V: num(d.InfoOps)},
		{K: "keys", V: num(d.Keys)},
		{K: "invalid keys", V: keyCount(d.InvalidKeyCount, d.InvalidKeys)},
		{K: "undecided keys (budget ran out)", V: keyCount(d.UnknownKeyCount, d.UnknownKeys)},
		{K: "budget", V: d.Budget},
	}
	if len(d.Failures) == 0 {
		return
	}
	t := table{ID: "linearizable-failures", Caption: "Where each invalid key stops being linearizable (earliest failure first): the longest linearizable prefix, the state it leaves, and the operations none of which can come next",
		Head: []string{"key", "linearized", "state after", "cannot go next", "f", "value", "process", "invoked", "completed", "at"}}
	for _, f := range d.Failures {
		for i, op := range f.Illegal {
			row := []cell{{Text: f.Key}, {Text: fmt.Sprintf("%d of %d", f.Linearized, f.Ops)}, {Text: f.State}}
			if i > 0 {
				row = []cell{{Text: ""}, {Text: ""}, {Text: ""}}
			}
			what := op.Op
			if op.Info {
				what += " (info)"
			}
			c := cell{Text: what}
			if i == 0 {
				c.Class = "illegal"
			}
			at := dur(op.InvokeTime) + "–"
			if op.Complete >= 0 {
				at += dur(op.CompleteTime)
			} else {
				at += "never"
			}
			row = append(row, c, cell{Text: op.F}, cell{Text: shortValue(op.Value, 200)}, cell{Text: op.Process.String()}, a.event(op.Invoke), a.event(op.Complete), cell{Text: at})
			t.Rows = append(t.Rows, row)
		}
	}
	if d.InvalidKeyCount > len(d.Failures) {
		t.Note = fmt.Sprintf("The first %d of %d invalid keys are listed.", len(d.Failures), d.InvalidKeyCount)
	}
	v.Tables = append(v.Tables, t)
}

func keyCount(n int, keys []string) string {
	if n == 0 {
		return "0"
	}
	s := num(n) + ": " + valueText(keys)
	if n > len(keys) {
		s += fmt.Sprintf(" … and %d more", n-len(keys))
	}
	return s
}

func setView(v *checkerView, d *checker.SetDetails, a anchors) {
	v.Facts = []fact{
		{K: "keys", V: num(d.Keys)}, {K: "ok reads", V: num(d.Reads)},
		{K: "acknowledged elements", V: num(d.OK)}, {K: "indeterminate adds", V: num(d.Attempted)},
		{K: "of which seen in a read (recovered)", V: num(d.Recovered)},
		{K: "lost", V: num(d.Lost)}, {K: "stale", V: num(d.Stale)}, {K: "unexpected", V: num(d.Unexpected)},
		{K: "never read (not checked)", V: num(d.NeverRead)},
	}
	if len(d.Unread) > 0 {
		v.Facts = append(v.Facts, fact{K: "keys never read", V: valueText(d.Unread)})
	}
	t := table{ID: "set-by-key", Caption: "Lost, stale and unexpected elements by key", Head: []string{"key", "lost", "stale", "unexpected", "never read"}}
	var ws []checker.SetWitness
	for _, k := range d.ByKey {
		if len(k.Lost)+len(k.Stale)+len(k.Unexpected) == 0 {
			continue
		}
		t.Rows = append(t.Rows, []cell{{Text: k.Key}, {Text: intList(k.Lost, 20), Class: "bad"}, {Text: intList(k.Stale, 20)}, {Text: intList(k.Unexpected, 20)}, {Text: strconv.Itoa(len(k.NeverRead))}})
		ws = append(ws, k.Witnesses...)
	}
	if len(t.Rows) > 0 {
		v.Tables = append(v.Tables, t)
	}
	if len(ws) > 0 {
		v.Tables = append(v.Tables, structTable("set-witnesses", "The reads that show them (read: the read's completion; known: when the element was known to be in the set)", ws, a))
	}
	if len(d.Malformed) > 0 {
		v.Tables = append(v.Tables, structTable("set-malformed", "Malformed values", d.Malformed, a))
	}
}

func counterView(v *checkerView, d *checker.CounterDetails, a anchors) {
	v.Facts = []fact{
		{K: "keys", V: num(d.Keys)}, {K: "ok reads", V: num(d.Reads)},
		{K: "acknowledged increments", V: num(d.OKIncrs)}, {K: "indeterminate increments", V: num(d.InfoIncrs)},
		{K: "failed increments", V: num(d.FailIncrs)},
		{K: "out-of-bounds values", V: num(d.OutOfBoundsCount)}, {K: "backwards", V: num(d.BackwardsCount)},
		{K: "duplicate increments", V: num(d.DuplicateCount)},
	}
	add := func(id, caption string, slice any, n, total int) {
		if n == 0 {
			return
		}
		t := structTable(id, caption, slice, a)
		if total > n {
			t.Note = fmt.Sprintf("The first %d of %s are listed.", n, commas(total))
		}
		v.Tables = append(v.Tables, t)
	}
	add("counter-out-of-bounds", "Reads and increments out of bounds: the value is outside [lower, upper], what the operations around them allow", d.OutOfBounds, len(d.OutOfBounds), d.OutOfBoundsCount)
	add("counter-backwards", "The counter going back: a value below one an earlier operation had returned", d.Backwards, len(d.Backwards), d.BackwardsCount)
	add("counter-duplicates", "Values returned by more than one increment", d.Duplicates, len(d.Duplicates), d.DuplicateCount)
	add("counter-malformed", "Malformed values", d.Malformed, len(d.Malformed), len(d.Malformed))
}

func listView(v *checkerView, d *checker.ListAppendDetails, a anchors) {
	v.Facts = []fact{
		{K: "keys", V: num(d.Keys)}, {K: "ok reads", V: num(d.Reads)},
		{K: "acknowledged appends", V: num(d.OKAppends)}, {K: "indeterminate appends", V: num(d.InfoAppends)},
		{K: "failed appends", V: num(d.FailAppends)},
	}
	if len(d.Unread) > 0 {
		v.Facts = append(v.Facts, fact{K: "keys never read", V: valueText(d.Unread)})
	}
	for _, x := range []struct {
		id, caption string
		slice       any
		n, total    int
	}{
		{"list-lost", "Lost: acknowledged appends missing from later reads", d.Lost, len(d.Lost), d.LostCount},
		{"list-diverged", "Diverged: reads that are not prefixes of each other", d.Diverged, len(d.Diverged), d.DivergedCount},
		{"list-stale", "Stale: reads shorter than one completed before them", d.Stale, len(d.Stale), d.StaleCount},
		{"list-duplicated", "Duplicated elements", d.Duplicated, len(d.Duplicated), d.DuplicatedCount},
		{"list-unexpected", "Unexpected elements", d.Unexpected, len(d.Unexpected), d.UnexpectedCount},
		{"list-reordered", "Reordered elements", d.Reordered, len(d.Reordered), d.ReorderedCount},
		{"list-malformed", "Malformed values", d.Malformed, len(d.Malformed), len(d.Malformed)},
	} {
		v.Facts = append(v.Facts, fact{K: x.id[len("list-"):], V: num(x.total)})
		if x.n == 0 {
			continue
		}
		t := structTable(x.id, x.caption, x.slice, a)
		if x.total > x.n {
			t.Note = fmt.Sprintf("The first %d of %s are listed.", x.n, commas(x.total))
		}
		v.Tables = append(v.Tables, t)
	}
}

func statsView(v *checkerView, d *checker.StatsDetails) {
	t := table{ID: "stats-table", Caption: "Operations by function and outcome", Head: []string{"f", "count", "ok", "fail", "info", "never completed"}}
	row := func(name string, c checker.StatsCounts) []cell {
		return []cell{{Text: name}, {Text: num(c.Count)}, {Text: num(c.OK)}, {Text: num(c.Fail)}, {Text: num(c.Info)}, {Text: num(c.Unfinished)}}
	}
	for _, c := range d.ByF {
		t.Rows = append(t.Rows, row(c.F, c))
	}
	total := row("all", d.Total)
	for i := range total {
		total[i].Class = "total"
	}
	t.Rows = append(t.Rows, total)
	v.Tables = append(v.Tables, t)
	v.Facts = []fact{{K: "nemesis events", V: num(d.NemesisEvents)}}
	if len(d.NeverOK) > 0 {
		v.Facts = append(v.Facts, fact{K: "functions that never succeeded", V: valueText(d.NeverOK)})
	}
}

func perfView(v *checkerView, d *checker.PerfDetails) {
	v.Facts = []fact{{K: "span", V: strconv.FormatFloat(d.SpanSeconds, 'f', 3, 64) + " s"}}
	t := table{ID: "perf-table", Caption: "Latency quantiles (ms) and throughput (per second) in the history's time",
		Head: []string{"f", "of", "count", "ops/s", "p50", "p90", "p95", "p99", "max", "mean"}}
	ms := func(f float64) cell { return cell{Text: strconv.FormatFloat(f, 'f', 2, 64)} }
	add := func(name string, p checker.PerfByF) {
		for _, x := range []struct {
			of  string
			fig checker.PerfFigures
		}{{"ok", p.OK}, {"completed", p.Completed}} {
			l := x.fig.Latency
			t.Rows = append(t.Rows, []cell{{Text: name}, {Text: x.of}, {Text: num(x.fig.Count)}, {Text: strconv.FormatFloat(x.fig.Throughput, 'f', 1, 64)},
				ms(l.P50), ms(l.P90), ms(l.P95), ms(l.P99), ms(l.Max), ms(l.Mean)})
		}
	}
	for _, p := range d.ByF {
		add(p.F, p)
	}
	add("all", d.Total)
	v.Tables = append(v.Tables, t)
}
