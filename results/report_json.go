package results

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// jnode is a JSON value that keeps its objects' key order, so that the
// configuration reads in the order its structs declare it.
type jnode struct {
	keys   []string // an object's keys; nil for an array or a scalar
	vals   []*jnode // an object's or an array's values
	array  bool
	scalar string // a scalar as text (strings unquoted)
	isNum  bool
}

func parseJSON(raw []byte) (*jnode, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return parseNode(dec)
}

func parseNode(dec *json.Decoder) (*jnode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		n := &jnode{array: t == '['}
		if !n.array {
			n.keys = []string{}
		}
		for dec.More() {
			if !n.array {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, fmt.Sprint(k))
			}
			v, err := parseNode(dec)
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, v)
		}
		if _, err := dec.Token(); err != nil && err != io.EOF {
			return nil, err
		}
		return n, nil
	case json.Number:
		return &jnode{scalar: t.String(), isNum: true}, nil
	case nil:
		return &jnode{scalar: "null"}, nil
	default:
		return &jnode{scalar: fmt.Sprint(t)}, nil
	}
}

func (n *jnode) isObject() bool { return n.keys != nil }
func (n *jnode) isScalar() bool { return !n.array && n.keys == nil }

// durationKeys are the names of fields that the run's configuration and
// results hold as nanoseconds (Go's time.Duration): the report adds the
// duration people read.
var durationKeys = map[string]bool{
	"time": true, "interval": true, "min": true, "max": true, "mean": true, "tick_interval": true,
	"session_ttl": true, "attempt_timeout": true, "op_timeout": true, "backoff": true,
	"clock_bump": true, "strobe_delta": true, "strobe_period": true, "start": true, "end": true,
	"sync_latency": true, "latency": true,
}

// maxFacts bounds a flattened value's lines.
const maxFacts = 400

// facts flattens a JSON value into lines of dotted paths and values:
// "raft.election_tick 10". Lists of scalars stay on one line.
func facts(raw json.RawMessage) ([]fact, string) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, ""
	}
	n, err := parseJSON(raw)
	if err != nil {
		return []fact{{K: "(unreadable)", V: shortValue(raw, 500)}}, ""
	}
	var out []fact
	total := 0
	flatten(n, "", "", &out, &total)
	note := ""
	if total > len(out) {
		note = fmt.Sprintf("The first %d of %s values are listed; results.json has them all.", len(out), commas(total))
	}
	return out, note
}

func flatten(n *jnode, path, key string, out *[]fact, total *int) {
	add := func(v string) {
		*total++
		if len(*out) < maxFacts {
			*out = append(*out, fact{K: path, V: v})
		}
	}
	switch {
	case n.isScalar():
		add(scalarText(n, key))
	case n.array && allScalars(n):
		parts := make([]string, len(n.vals))
		for i, v := range n.vals {
			parts[i] = v.scalar
		}
		if len(parts) == 0 {
			add("(none)")
			return
		}
		add(shortValue([]byte(strings.Join(parts, ", ")), 500))
	case n.array:
		for i, v := range n.vals {
			flatten(v, path+"["+strconv.Itoa(i)+"]", key, out, total)
		}
	default:
		if len(n.keys) == 0 {
			add("(none)")
		}
		for i, k := range n.keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			flatten(n.vals[i], p, k, out, total)
		}
	}
}

func allScalars(n *jnode) bool {
	for _, v := range n.vals {
		if !v.isScalar() {
			return false
		}
	}
	return true
}

// scalarText writes a scalar, with the duration beside a number of
// nanoseconds.
func scalarText(n *jnode, key string) string {
	if !n.isNum || !durationKeys[key] {
		return n.scalar
	}
	ns, err := strconv.ParseInt(n.scalar, 10, 64)
	if err != nil || ns == 0 {
		return n.scalar
	}
	return n.scalar + " (" + time.Duration(ns).String() + ")"
}

// matrix makes a table of an object of objects of scalars (a counter per
// node: rows are the outer keys, columns the inner ones), and reports
// false for any other shape.
func matrix(id string, raw json.RawMessage, rowName string) (table, bool) {
	n, err := parseJSON(raw)
	if err != nil || !n.isObject() || len(n.keys) == 0 {
		return table{}, false
	}
	var cols []string
	seen := map[string]bool{}
	for _, v := range n.vals {
		if !v.isObject() {
			return table{}, false
		}
		for i, k := range v.keys {
			if !v.vals[i].isScalar() {
				return table{}, false
			}
			if !seen[k] {
				seen[k] = true
				cols = append(cols, k)
			}
		}
	}
	t := table{ID: id, Head: append([]string{rowName}, cols...)}
	// Rows in the order people number nodes (n2 before n10), not the
	// order encoding/json sorts map keys in.
	order := make([]int, len(n.keys))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return nodeOrder(n.keys[a], n.keys[b]) })
	for _, i := range order {
		k := n.keys[i]
		row := []cell{{Text: k}}
		v := n.vals[i]
		for _, c := range cols {
			text := ""
			for j, kk := range v.keys {
				if kk == c {
					text = scalarText(v.vals[j], c)
				}
			}
			row = append(row, cell{Text: text})
		}
		t.Rows = append(t.Rows, row)
	}
	return t, true
}
