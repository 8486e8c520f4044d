package checker

import (
	"unicode/utf8"
)

// eventDecoder decodes one line of a JSONL history in the shape our own
// histories have (DESIGN §4), without reflection: encoding/json was half of
// `raftcheck check`'s time (issue 16). It takes only what it is sure of: a
// line with exactly our field names, plain strings and integers, and a
// value that is any valid JSON. Anything else (an unknown or differently
// cased field, an escape in a string, a null, a number with a fraction,
// deep nesting, an error of any kind) makes decode report false, and the
// line is read again by encoding/json, which then decides and words the
// error. So the two readers agree on every line by construction where the
// fast one declines, and FuzzReadJSONLAgrees checks that they agree where
// it does not.
type eventDecoder struct {
	b []byte
	i int
	// arena holds the values' bytes: one allocation for many events. Each
	// value is a slice of it capped at its own length, so that appending
	// to one can never write into the next.
	arena []byte
	// interned shares the strings that recur (functions, keys, types,
	// errors), so that a history of a million events does not hold a
	// million copies of "read". It is bounded: a history of ever-new
	// strings stops being interned, not grows without limit.
	interned map[string]string
}

const (
	arenaChunk     = 64 << 10
	internedMax    = 1 << 16
	maxFastNesting = 64
)

// decode fills e from line b and says whether it could; hasType and
// hasProcess say whether those fields were present.
func (d *eventDecoder) decode(b []byte, e *Event) (hasType, hasProcess, ok bool) {
	d.b, d.i = b, 0
	*e = Event{}
	d.space()
	if !d.take('{') {
		return false, false, false
	}
	d.space()
	if d.peek() == '}' {
		return false, false, false // no fields: let encoding/json say what is missing
	}
	for {
		d.space()
		name, ok := d.plainString()
		if !ok {
			return false, false, false
		}
		d.space()
		if !d.take(':') {
			return false, false, false
		}
		d.space()
		switch string(name) {
		case "index":
			n, ok := d.integer()
			if !ok {
				return false, false, false
			}
			e.Index = int(n)
		case "type":
			s, ok := d.stringField()
			if !ok {
				return false, false, false
			}
			e.Type, hasType = Type(s), true
		case "f":
			if e.F, ok = d.stringField(); !ok {
				return false, false, false
			}
		case "key":
			if e.Key, ok = d.stringField(); !ok {
				return false, false, false
			}
		case "error":
			if e.Error, ok = d.stringField(); !ok {
				return false, false, false
			}
		case "value":
			start := d.i
			if !d.skipValue(0) {
				return false, false, false
			}
			e.Value = d.keep(d.b[start:d.i])
		case "process":
			if d.peek() == '"' {
				s, ok := d.plainString()
				if !ok || string(s) != "nemesis" {
					return false, false, false
				}
				e.Process = Nemesis
			} else {
				n, ok := d.integer()
				if !ok || n < 0 {
					return false, false, false
				}
				e.Process = Process(n)
			}
			hasProcess = true
		case "time":
			n, ok := d.integer()
			if !ok {
				return false, false, false
			}
			e.Time = n
		default:
			return false, false, false
		}
		d.space()
		switch {
		case d.take(','):
			continue
		case d.take('}'):
			d.space()
			return hasType, hasProcess, d.i == len(d.b)
		}
		return false, false, false
	}
}

func (d *eventDecoder) peek() byte {
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

func (d *eventDecoder) take(c byte) bool {
	if d.peek() == c {
		d.i++
		return true
	}
	return false
}

// space skips JSON's whitespace.
func (d *eventDecoder) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// plainString reads a string with no escapes and no control characters,
// whose bytes are valid UTF-8: exactly the bytes encoding/json would give.
func (d *eventDecoder) plainString() ([]byte, bool) {
	if !d.take('"') {
		return nil, false
	}
	start, ascii := d.i, true
	for ; d.i < len(d.b); d.i++ {
		c := d.b[d.i]
		switch {
		case c == '"':
			s := d.b[start:d.i]
			d.i++
			return s, ascii || utf8.Valid(s)
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, false
}

func (d *eventDecoder) stringField() (string, bool) {
	b, ok := d.plainString()
	if !ok {
		return "", false
	}
	return d.intern(b), true
}

func (d *eventDecoder) intern(b []byte) string {
	if s, ok := d.interned[string(b)]; ok {
		return s
	}
	s := string(b)
	if d.interned == nil {
		d.interned = map[string]string{}
	}
	if len(d.interned) < internedMax {
		d.interned[s] = s
	}
	return s
}

// integer reads a JSON number that is an integer as encoding/json reads
// one into an int64: no fraction, no exponent. Up to 18 digits, so that it
// cannot overflow; longer ones are left to encoding/json.
func (d *eventDecoder) integer() (int64, bool) {
	neg := d.take('-')
	start := d.i
	var n int64
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		n = n*10 + int64(d.b[d.i]-'0')
		d.i++
	}
	digits := d.i - start
	switch {
	case digits == 0 || digits > 18:
		return 0, false
	case digits > 1 && d.b[start] == '0':
		return 0, false // a leading zero is not JSON
	}
	switch d.peek() {
	case '.', 'e', 'E':
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

// keep copies a value's bytes into the arena.
func (d *eventDecoder) keep(v []byte) []byte {
	if len(v) > arenaChunk/4 {
		return append([]byte(nil), v...)
	}
	if cap(d.arena)-len(d.arena) < len(v) {
		d.arena = make([]byte, 0, arenaChunk)
	}
	start := len(d.arena)
	d.arena = append(d.arena, v...)
	return d.arena[start:len(d.arena):len(d.arena)]
}

// skipValue steps over one JSON value, checking it is valid JSON as
// encoding/json's scanner does.
func (d *eventDecoder) skipValue(depth int) bool {
	if depth > maxFastNesting {
		return false
	}
	switch c := d.peek(); {
	case c == '{':
		d.i++
		d.space()
		if d.take('}') {
			return true
		}
		for {
			d.space()
			if !d.skipString() {
				return false
			}
			d.space()
			if !d.take(':') {
				return false
			}
			d.space()
			if !d.skipValue(depth + 1) {
				return false
			}
			d.space()
			if d.take('}') {
				return true
			}
			if !d.take(',') {
				return false
			}
		}
	case c == '[':
		d.i++
		d.space()
		if d.take(']') {
			return true
		}
		for {
			d.space()
			if !d.skipValue(depth + 1) {
				return false
			}
			d.space()
			if d.take(']') {
				return true
			}
			if !d.take(',') {
				return false
			}
		}
	case c == '"':
		return d.skipString()
	case c == '-' || (c >= '0' && c <= '9'):
		return d.skipNumber()
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	}
	return false
}

func (d *eventDecoder) literal(word string) bool {
	if len(d.b)-d.i < len(word) || string(d.b[d.i:d.i+len(word)]) != word {
		return false
	}
	d.i += len(word)
	return true
}

// skipString steps over a string, escapes included, as JSON allows them.
func (d *eventDecoder) skipString() bool {
	if !d.take('"') {
		return false
	}
	for d.i < len(d.b) {
		c := d.b[d.i]
		d.i++
		switch {
		case c == '"':
			return true
		case c < 0x20:
			return false
		case c == '\\':
			switch d.peek() {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				d.i++
			case 'u':
				d.i++
				for k := 0; k < 4; k++ {
					if !isHex(d.peek()) {
						return false
					}
					d.i++
				}
			default:
				return false
			}
		}
	}
	return false
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// skipNumber steps over a number of JSON's grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *eventDecoder) skipNumber() bool {
	d.take('-')
	switch c := d.peek(); {
	case c == '0':
		d.i++
	case c >= '1' && c <= '9':
		d.digits()
	default:
		return false
	}
	if d.take('.') && !d.digits() {
		return false
	}
	if c := d.peek(); c == 'e' || c == 'E' {
		d.i++
		if c := d.peek(); c == '+' || c == '-' {
			d.i++
		}
		if !d.digits() {
			return false
		}
	}
	return true
}

// digits steps over one or more decimal digits and says whether there was
// one.
func (d *eventDecoder) digits() bool {
	start := d.i
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		d.i++
	}
	return d.i > start
}
