package checker

import (
	"encoding/json"
	"io"
	"sort"
	"strconv"
)

// ReadJepsenEDN reads a Jepsen history.edn: a sequence of operation maps,
// usually one a line, such as
//
//	{:type :invoke, :f :cas, :value [1 2], :process 3, :time 123, :index 7}
//
// or one vector holding them all. name is used in errors, which read
// "name:LINE: reason" and never span lines.
//
// Each map becomes an Event:
//
//   - :type is :invoke, :ok, :fail or :info;
//   - :f names the function (a keyword such as :read, :write, :cas, or a
//     symbol or string); it is kept without its colon;
//   - :process is a non-negative integer, or :nemesis for the nemesis,
//     whose events are kept (process Nemesis) and skipped by the checkers;
//   - :value is any EDN value, written as JSON: nil is null, keywords,
//     symbols, characters and strings are strings (:foo is "foo"), vectors,
//     lists and sets are arrays (a set of integers ascending), maps are
//     objects; a missing :value is null;
//   - :time, if present, is the event's time in nanoseconds; an event
//     without one takes the time of the event before it (0 for the
//     first), so a history with no times at all (Knossos's corpus) has
//     every time 0 and is ordered by its events alone;
//   - :error, if present, becomes the event's error text (a keyword by
//     its name, anything else but a string in EDN form);
//   - every other key (:index, :node, ...) is read and ignored. Events are
//     indexed by their position, as ReadJSONL does.
//
// Jepsen's independent keys wrap each client value in a tuple [key value],
// which EDN prints like any two-element vector: [3 [1 2]] is a cas on key
// 3, [3 nil] a read of key 3. The history is read as independent when
// every client event's value is such a pair with an integer, string,
// keyword or symbol key, and every cas's inner value is [old new] or nil
// (which a plain cas-only history, whose values are [old new] of integers,
// cannot satisfy). Then the key, as a string, goes to Event.Key and the
// inner value to Event.Value.
//
// The history is validated as ReadJSONL's is (see Validate), and a
// structural error names the line of the event at fault.
func ReadJepsenEDN(r io.Reader, name string) (History, error) {
	p := newEDNReader(r, name)
	var ops []ednOp
	for {
		v, err := p.readValue()
		if err == errEDNEnd {
			break
		}
		if err != nil {
			return nil, err
		}
		switch v.kind {
		case ednMap:
			op, err := p.op(&v)
			if err != nil {
				return nil, err
			}
			ops = append(ops, op)
		case ednVector, ednList:
			for i := range v.items {
				it := &v.items[i]
				if it.kind != ednMap {
					return nil, p.errorf(it.line, "want an operation map, got %s", it.snippet())
				}
				op, err := p.op(it)
				if err != nil {
					return nil, err
				}
				ops = append(ops, op)
			}
		default:
			return nil, p.errorf(v.line, "want an operation map, got %s", v.snippet())
		}
	}

	independent := isIndependent(ops)
	var last int64
	for i := range ops {
		if ops[i].time < 0 {
			ops[i].time = last
		}
		last = ops[i].time
	}
	h := make(History, len(ops))
	for i := range ops {
		op := &ops[i]
		e := Event{Index: i, Type: op.typ, F: op.f, Process: op.process, Time: op.time, Error: op.err}
		val := &op.value
		if independent && op.process != Nemesis {
			e.Key = op.value.items[0].keyString()
			val = &op.value.items[1]
		}
		e.Value = json.RawMessage(val.appendJSON(nil))
		h[i] = e
		if err := checkEvent(&h[i]); err != nil {
			return nil, p.errorf(op.line, "%v", err)
		}
	}
	if err := h.Validate(); err != nil {
		// Validate fails at the first event at fault: the shortest prefix
		// that does not validate ends with it.
		n := sort.Search(len(h), func(n int) bool { return h[:n+1].Validate() != nil })
		line := 0
		if n < len(ops) {
			line = ops[n].line
		}
		return nil, p.errorf(line, "%v", err)
	}
	return h, nil
}

// ednOp is one operation map, read but not yet turned into an Event.
type ednOp struct {
	line    int
	typ     Type
	f       string
	process Process
	time    int64
	value   ednValue
	err     string
}

// op reads the fields of an operation map.
func (p *ednReader) op(m *ednValue) (ednOp, error) {
	op := ednOp{line: m.line, time: -1}
	var seen [5]bool
	fields := [...]string{"type", "f", "process", "value", "time"}
	for i := 0; i+1 < len(m.items); i += 2 {
		k, v := &m.items[i], &m.items[i+1]
		if k.kind != ednKeyword {
			continue
		}
		field := -1
		for j, f := range fields {
			if k.text == f {
				field = j
			}
		}
		if field >= 0 {
			if seen[field] {
				return op, p.errorf(k.line, "field :%s: given twice", k.text)
			}
			seen[field] = true
		}
		switch k.text {
		case "type":
			t := Type(v.text)
			if (v.kind != ednKeyword && v.kind != ednString) || !t.valid() {
				return op, p.errorf(v.line, "field :type: want :invoke, :ok, :fail or :info, got %s", v.snippet())
			}
			op.typ = t
		case "f":
			if (v.kind != ednKeyword && v.kind != ednSymbol && v.kind != ednString) || v.text == "" {
				return op, p.errorf(v.line, "field :f: want a keyword, got %s", v.snippet())
			}
			op.f = v.text
		case "process":
			switch {
			case (v.kind == ednKeyword || v.kind == ednString) && v.text == "nemesis":
				op.process = Nemesis
			case v.kind == ednInt:
				n, err := strconv.ParseInt(v.text, 10, 64)
				if err != nil || n < 0 {
					return op, p.errorf(v.line, "field :process: want a non-negative integer or :nemesis, got %s", v.text)
				}
				op.process = Process(n)
			default:
				return op, p.errorf(v.line, "field :process: want a non-negative integer or :nemesis, got %s", v.snippet())
			}
		case "time":
			n, err := strconv.ParseInt(v.text, 10, 64)
			if v.kind != ednInt || err != nil || n < 0 {
				return op, p.errorf(v.line, "field :time: want a non-negative integer (nanoseconds), got %s", v.snippet())
			}
			op.time = n
		case "value":
			op.value = *v
		case "error":
			switch v.kind {
			case ednNil:
			case ednKeyword, ednString:
				op.err = v.text
			default:
				op.err = string(v.appendEDN(nil))
			}
		}
	}
	for j, f := range fields[:3] {
		if !seen[j] {
			return op, p.errorf(m.line, "field :%s: missing", f)
		}
	}
	return op, nil
}

// isIndependent reports whether every client value is an independent-key
// tuple [key value] (see ReadJepsenEDN).
func isIndependent(ops []ednOp) bool {
	for i := range ops {
		op := &ops[i]
		if op.process == Nemesis {
			continue
		}
		v := &op.value
		if v.kind != ednVector || len(v.items) != 2 {
			return false
		}
		switch v.items[0].kind {
		case ednInt, ednString, ednKeyword, ednSymbol:
		default:
			return false
		}
		if in := &v.items[1]; op.f == "cas" && !in.isNil() && (in.kind != ednVector || len(in.items) != 2) {
			return false
		}
	}
	return true
}
