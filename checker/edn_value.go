package checker

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// An EDN value as read by ednReader (edn_read.go), and its renderings: as
// JSON for event values, and as compact EDN for keys and error texts.

type ednKind uint8

const (
	ednNil ednKind = iota
	ednBool
	ednInt     // text: optional '-' and decimal digits (any size)
	ednFloat   // text: a JSON number
	ednString  // text: the string; also ratios, characters and ##Inf/##NaN
	ednKeyword // text: the name, without the ':'
	ednSymbol  // text: the name
	ednVector
	ednList
	ednSet
	ednMap // items: key, value, key, value, ...
)

// ednValue is one EDN value and the line it starts on.
type ednValue struct {
	kind  ednKind
	line  int
	text  string
	items []ednValue
}

func (v *ednValue) isNil() bool { return v.kind == ednNil }

// kindName names a value's kind for error messages.
func (v *ednValue) kindName() string {
	return [...]string{"nil", "boolean", "integer", "float", "string", "keyword", "symbol", "vector", "list", "set", "map"}[v.kind]
}

// snippet is v in EDN form for an error message: at most 40 bytes of it,
// on one line.
func (v *ednValue) snippet() string {
	b := v.appendEDN(nil) // strings are quoted, so no newline is left
	if len(b) > 40 {
		b = append(b[:37:37], "..."...)
	}
	return strings.ToValidUTF8(string(b), "\ufffd")
}

// appendJSON appends v as JSON. Keywords and symbols become strings
// without their colon (:foo is "foo"); lists and sets become arrays (a set
// of integers in ascending order); a map's keys become strings, in their
// EDN form unless they are strings, keywords or symbols.
func (v *ednValue) appendJSON(b []byte) []byte {
	switch v.kind {
	case ednNil:
		return append(b, "null"...)
	case ednBool, ednInt, ednFloat:
		return append(b, v.text...)
	case ednString, ednKeyword, ednSymbol:
		return appendJSONString(b, v.text)
	case ednMap:
		b = append(b, '{')
		for i := 0; i+1 < len(v.items); i += 2 {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, v.items[i].keyString())
			b = append(b, ':')
			b = v.items[i+1].appendJSON(b)
		}
		return append(b, '}')
	}
	items := v.items
	if v.kind == ednSet {
		items = sortedIntSet(items)
	}
	b = append(b, '[')
	for i := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = items[i].appendJSON(b)
	}
	return append(b, ']')
}

// sortedIntSet is a set's items in ascending order if they are all
// integers that fit an int64, else as they are.
func sortedIntSet(items []ednValue) []ednValue {
	type kv struct {
		n int64
		v ednValue
	}
	ns := make([]kv, len(items))
	for i := range items {
		if items[i].kind != ednInt {
			return items
		}
		n, err := strconv.ParseInt(items[i].text, 10, 64)
		if err != nil {
			return items
		}
		ns[i] = kv{n, items[i]}
	}
	sort.SliceStable(ns, func(i, j int) bool { return ns[i].n < ns[j].n })
	out := make([]ednValue, len(ns))
	for i := range ns {
		out[i] = ns[i].v
	}
	return out
}

// keyString is v as a map key or history key: strings, keywords and
// symbols by their text, anything else in its EDN form.
func (v *ednValue) keyString() string {
	switch v.kind {
	case ednString, ednKeyword, ednSymbol:
		return v.text
	}
	return string(v.appendEDN(nil))
}

// appendEDN appends v in compact EDN form, for error texts and keys.
func (v *ednValue) appendEDN(b []byte) []byte {
	open, end := "", ""
	switch v.kind {
	case ednNil:
		return append(b, "nil"...)
	case ednBool, ednInt, ednFloat, ednSymbol:
		return append(b, v.text...)
	case ednKeyword:
		return append(append(b, ':'), v.text...)
	case ednString:
		return strconv.AppendQuote(b, v.text)
	case ednVector:
		open, end = "[", "]"
	case ednList:
		open, end = "(", ")"
	case ednSet:
		open, end = "#{", "}"
	case ednMap:
		open, end = "{", "}"
	}
	b = append(b, open...)
	for i := range v.items {
		if i > 0 {
			if v.kind == ednMap && i%2 == 0 {
				b = append(b, ',')
			}
			b = append(b, ' ')
		}
		b = v.items[i].appendEDN(b)
	}
	return append(b, end...)
}

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes
// U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c < 0x20 || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
