package results

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"raftcheck/checker"
)

// cell is one cell of a table: text, and a link within the page when Href
// is set. html/template escapes both.
type cell struct {
	Text, Href, Class string
}

// table is a table of the report: the template draws every table the same
// way, so the code that fills it never writes markup.
type table struct {
	ID, Caption string
	Head        []string
	Rows        [][]cell
	// Note says what was left out.
	Note string
}

// fact is one line of a key-value list.
type fact struct {
	K, V string
}

// anchors are the history indexes that have a row in the report's history
// table, so a link to "#ev-N" resolves.
type anchors map[int]bool

func eventID(index int) string { return "ev-" + strconv.Itoa(index) }

// event is a cell naming history index i, linked to its row when it has
// one.
func (a anchors) event(i int) cell {
	if i < 0 {
		return cell{Text: "—"}
	}
	c := cell{Text: "#" + strconv.Itoa(i)}
	if a[i] {
		c.Href = "#" + eventID(i)
	}
	return c
}

// eventFields are the JSON names, in the checkers' details, of fields that
// hold a history index.
var eventFields = map[string]bool{
	"index": true, "invoke_index": true, "complete_index": true, "read": true, "other": true,
	"earlier": true, "later": true, "append": true, "first_invoke": true, "second_done": true,
	"prior": true, "known": true,
}

// structTable makes a table of a slice of structs, one column per JSON
// field, linking fields that are history indexes.
func structTable(id, caption string, slice any, a anchors) table {
	t := table{ID: id, Caption: caption}
	v := reflect.ValueOf(slice)
	if v.Kind() != reflect.Slice || v.Len() == 0 {
		return t
	}
	et := v.Type().Elem()
	type col struct {
		field int
		name  string
	}
	var cols []col
	for i := 0; i < et.NumField(); i++ {
		sf := et.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		cols = append(cols, col{i, name})
		t.Head = append(t.Head, strings.ReplaceAll(name, "_", " "))
	}
	for r := 0; r < v.Len(); r++ {
		row := make([]cell, len(cols))
		for j, c := range cols {
			fv := v.Index(r).Field(c.field)
			if eventFields[c.name] && fv.CanInt() {
				row[j] = a.event(int(fv.Int()))
				continue
			}
			row[j] = cell{Text: valueText(fv.Interface())}
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// valueText writes a field of a checker's details for a cell.
func valueText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.RawMessage:
		return shortValue(x, 200)
	case checker.Process:
		return x.String()
	case []int64:
		return intList(x, 20)
	case []int:
		ns := make([]int64, len(x))
		for i, n := range x {
			ns[i] = int64(n)
		}
		return intList(ns, 20)
	case []string:
		return strings.Join(x, ", ")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return shortValue(b, 200)
}

// intList writes at most n numbers, saying how many more there are.
func intList(ns []int64, n int) string {
	var b strings.Builder
	for i, v := range ns {
		if i == n {
			fmt.Fprintf(&b, " … and %d more", len(ns)-n)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.FormatInt(v, 10))
	}
	return b.String()
}
