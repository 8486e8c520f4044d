package checker

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file is a reader for the subset of EDN that Jepsen histories use:
// nil, booleans, integers (with an optional N), floats (with an optional
// M), ratios, strings, characters, keywords, symbols, lists, vectors, maps,
// sets, ; comments, #_ discards, ##Inf/##NaN, and tagged literals (#inst,
// #uuid, records such as #jepsen.history.Op{...}), whose tag is dropped.

// maxEDNDepth bounds collection nesting, so that hostile input cannot
// exhaust the stack.
const maxEDNDepth = 1000

// ednReader reads EDN values from a stream, counting lines for errors.
type ednReader struct {
	r     *bufio.Reader
	name  string
	line  int
	depth int
	tok   []byte
	// stack holds the items of the collections being read; each is copied
	// out, exactly sized, when it closes.
	stack []ednValue
	// interned are tokens seen before (keywords, symbols): a history
	// repeats a few of them on every line.
	interned map[string]string
}

// maxInterned bounds the interned tokens, so that a history of unique
// symbols does not grow the table without end.
const maxInterned = 4096

func newEDNReader(r io.Reader, name string) *ednReader {
	return &ednReader{r: bufio.NewReaderSize(r, 64<<10), name: name, line: 1}
}

// ednError is a malformed input at a line; Error reads name:line: reason.
type ednError struct {
	name string
	line int
	msg  string
}

func (e *ednError) Error() string { return fmt.Sprintf("%s:%d: %s", e.name, e.line, e.msg) }

func (p *ednReader) errorf(line int, format string, args ...any) error {
	return &ednError{name: p.name, line: line, msg: fmt.Sprintf(format, args...)}
}

// errEDNEnd is the end of input where a value could start.
var errEDNEnd = errors.New("end of input")

// readByte reads one byte, counting lines. At the end of input it returns
// io.EOF; other read errors carry the line.
func (p *ednReader) readByte() (byte, error) {
	b, err := p.r.ReadByte()
	if err != nil {
		if err == io.EOF {
			return 0, io.EOF
		}
		return 0, p.errorf(p.line, "read: %v", err)
	}
	if b == '\n' {
		p.line++
	}
	return b, nil
}

// unreadByte puts back b, the byte just read.
func (p *ednReader) unreadByte(b byte) {
	_ = p.r.UnreadByte() // cannot fail right after a successful ReadByte
	if b == '\n' {
		p.line--
	}
}

func (p *ednReader) peekByte() (byte, bool) {
	b, err := p.r.Peek(1)
	if err != nil {
		return 0, false
	}
	return b[0], true
}

func isEDNSpace(b byte) bool {
	switch b {
	case ' ', '\t', '\n', '\r', ',', '\f', '\v':
		return true
	}
	return false
}

// isEDNDelimiter reports whether b ends a token.
func isEDNDelimiter(b byte) bool {
	if isEDNSpace(b) {
		return true
	}
	switch b {
	case '(', ')', '[', ']', '{', '}', '"', ';', '\\', '^', '@', '`', '~':
		return true
	}
	return false
}

// isSymbolByte reports whether b may appear in a symbol or keyword. Bytes
// of multi-byte UTF-8 characters are accepted.
func isSymbolByte(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9', b >= 0x80:
		return true
	}
	return strings.IndexByte(".*+!-_?$%&=<>/:#'", b) >= 0
}

// skipSpace skips whitespace, commas, comments and #_ discarded forms. It
// returns errEDNEnd at the end of input. It only peeks at what it does not
// skip.
func (p *ednReader) skipSpace() error {
	for {
		b, err := p.r.Peek(1)
		if err == io.EOF {
			return errEDNEnd
		}
		if err != nil {
			return p.errorf(p.line, "read: %v", err)
		}
		switch c := b[0]; {
		case isEDNSpace(c):
			_, _ = p.readByte()
		case c == ';':
			for c != '\n' {
				if c, err = p.readByte(); err == io.EOF {
					return errEDNEnd
				} else if err != nil {
					return err
				}
			}
		case c == '#':
			if b, _ := p.r.Peek(2); len(b) < 2 || b[1] != '_' {
				return nil
			}
			line := p.line
			_, _ = p.r.Discard(2)
			if err := p.enter(line); err != nil {
				return err
			}
			_, err := p.readValue()
			p.depth--
			if err == errEDNEnd {
				return p.errorf(line, "nothing to discard after #_")
			}
			if err != nil {
				return err
			}
		default:
			return nil
		}
	}
}

// enter counts one more level of nesting (a collection, a tag, a discard),
// failing beyond maxEDNDepth; the caller decrements p.depth when done.
func (p *ednReader) enter(line int) error {
	if p.depth >= maxEDNDepth {
		return p.errorf(line, "nested deeper than %d", maxEDNDepth)
	}
	p.depth++
	return nil
}

// readValue reads the next value, or returns errEDNEnd if the input ends
// before one starts.
func (p *ednReader) readValue() (ednValue, error) {
	if err := p.skipSpace(); err != nil {
		return ednValue{}, err
	}
	line := p.line
	b, err := p.readByte()
	if err != nil {
		return ednValue{}, err
	}
	switch b {
	case '(':
		return p.readColl(line, ednList, ')')
	case '[':
		return p.readColl(line, ednVector, ']')
	case '{':
		return p.readColl(line, ednMap, '}')
	case ')', ']', '}':
		return ednValue{}, p.errorf(line, "unexpected %q", b)
	case '"':
		s, err := p.readString(line)
		return ednValue{kind: ednString, line: line, text: s}, err
	case '\\':
		return p.readChar(line)
	case '#':
		return p.readDispatch(line)
	case ':':
		tok, err := p.readToken(0)
		if err != nil {
			return ednValue{}, err
		}
		if tok == "" || tok[0] == ':' || tok[0] == '/' || !validSymbol(tok) {
			return ednValue{}, p.errorf(line, "invalid keyword %q", ":"+tok)
		}
		return ednValue{kind: ednKeyword, line: line, text: tok}, nil
	}
	if !isSymbolByte(b) {
		return ednValue{}, p.errorf(line, "unexpected character %q", b)
	}
	tok, err := p.readToken(b)
	if err != nil {
		return ednValue{}, err
	}
	return p.atom(line, tok)
}

// readToken reads the rest of a token whose first byte, if not 0, was
// first.
func (p *ednReader) readToken(first byte) (string, error) {
	p.tok = p.tok[:0]
	if first != 0 {
		p.tok = append(p.tok, first)
	}
	for {
		b, err := p.readByte()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
		if isEDNDelimiter(b) {
			p.unreadByte(b)
			break
		}
		p.tok = append(p.tok, b)
	}
	if len(p.tok) > 0 && !asciiDigit(p.tok[0]) && len(p.tok) <= 32 {
		if s, ok := p.interned[string(p.tok)]; ok {
			return s, nil
		}
		s := string(p.tok)
		if len(p.interned) < maxInterned {
			if p.interned == nil {
				p.interned = map[string]string{}
			}
			p.interned[s] = s
		}
		return s, nil
	}
	return string(p.tok), nil
}

func validSymbol(tok string) bool {
	for i := 0; i < len(tok); i++ {
		if !isSymbolByte(tok[i]) {
			return false
		}
	}
	return utf8.ValidString(tok)
}

// atom classifies a token: nil, a boolean, a number or a symbol.
func (p *ednReader) atom(line int, tok string) (ednValue, error) {
	switch tok {
	case "nil":
		return ednValue{kind: ednNil, line: line}, nil
	case "true", "false":
		return ednValue{kind: ednBool, line: line, text: tok}, nil
	}
	digits := tok
	if digits[0] == '+' || digits[0] == '-' {
		digits = digits[1:]
	}
	if digits != "" && asciiDigit(digits[0]) {
		v, ok := ednNumber(tok)
		if !ok {
			return ednValue{}, p.errorf(line, "invalid number %q", tok)
		}
		v.line = line
		return v, nil
	}
	if !validSymbol(tok) {
		return ednValue{}, p.errorf(line, "invalid symbol %q", tok)
	}
	return ednValue{kind: ednSymbol, line: line, text: tok}, nil
}

// ednNumber reads an integer (42, -7, 12N, 0x1F), a float (1.5, 2e3, 1.5M) or a
// ratio (1/3, kept as a string).
func ednNumber(tok string) (ednValue, bool) {
	sign, body := "", tok
	switch body[0] {
	case '-':
		sign, body = "-", body[1:]
	case '+':
		body = body[1:]
	}
	allDigits := func(s string) bool {
		if s == "" {
			return false
		}
		for i := 0; i < len(s); i++ {
			if !asciiDigit(s[i]) {
				return false
			}
		}
		return true
	}
	if hex, ok := strings.CutPrefix(body, "0x"); ok || strings.HasPrefix(body, "0X") {
		// Clojure prints object identities in hex (#object[... 0x1f2e3d ...]).
		if !ok {
			hex = body[2:]
		}
		hex = strings.TrimSuffix(hex, "N")
		n, err := strconv.ParseUint(hex, 16, 64)
		if hex == "" || strings.ContainsAny(hex, "+-_") {
			return ednValue{}, false
		}
		if err != nil {
			if !errors.Is(err, strconv.ErrRange) {
				return ednValue{}, false
			}
			return ednValue{kind: ednString, text: tok}, true
		}
		return ednValue{kind: ednInt, text: sign + strconv.FormatUint(n, 10)}, true
	}
	if n, ok := strings.CutSuffix(body, "N"); ok || allDigits(body) {
		if !allDigits(n) || (len(n) > 1 && n[0] == '0') {
			return ednValue{}, false // no octal: only 0 may start with 0
		}
		return ednValue{kind: ednInt, text: sign + n}, true
	}
	if num, den, ok := strings.Cut(body, "/"); ok {
		if !allDigits(num) || !allDigits(den) {
			return ednValue{}, false
		}
		return ednValue{kind: ednString, text: tok}, true
	}
	// A float: digits, then a fraction, an exponent or an M.
	f, hasM := strings.CutSuffix(body, "M")
	i := 0
	for i < len(f) && asciiDigit(f[i]) {
		i++
	}
	rest := f[i:]
	if frac, ok := strings.CutPrefix(rest, "."); ok {
		j := 0
		for j < len(frac) && asciiDigit(frac[j]) {
			j++
		}
		rest = frac[j:]
	} else if rest == "" && !hasM {
		return ednValue{}, false // all digits: an integer, handled above
	}
	if rest != "" {
		if rest[0] != 'e' && rest[0] != 'E' {
			return ednValue{}, false
		}
		exp := rest[1:]
		if exp != "" && (exp[0] == '+' || exp[0] == '-') {
			exp = exp[1:]
		}
		if !allDigits(exp) {
			return ednValue{}, false
		}
	}
	x, err := strconv.ParseFloat(sign+f, 64)
	if err != nil {
		// Out of float64's range: keep the literal, as a string.
		return ednValue{kind: ednString, text: tok}, true
	}
	return ednValue{kind: ednFloat, text: strconv.FormatFloat(x, 'g', -1, 64)}, true
}

// readColl reads the items of a collection up to its closing byte.
func (p *ednReader) readColl(line int, kind ednKind, end byte) (ednValue, error) {
	if err := p.enter(line); err != nil {
		return ednValue{}, err
	}
	defer func() { p.depth-- }()
	v := ednValue{kind: kind, line: line}
	base := len(p.stack)
	defer func() { p.stack = p.stack[:base] }()
	for {
		if err := p.skipSpace(); err != nil {
			if err == errEDNEnd {
				return ednValue{}, p.errorf(line, "%s never closed (input ends at line %d)", v.kindName(), p.line)
			}
			return ednValue{}, err
		}
		if b, ok := p.peekByte(); ok && b == end {
			_, _ = p.readByte()
			break
		}
		item, err := p.readValue()
		if err != nil {
			if err == errEDNEnd {
				return ednValue{}, p.errorf(line, "%s never closed (input ends at line %d)", v.kindName(), p.line)
			}
			return ednValue{}, err
		}
		p.stack = append(p.stack, item)
	}
	if n := len(p.stack) - base; n > 0 {
		v.items = make([]ednValue, n)
		copy(v.items, p.stack[base:])
	}
	if kind == ednMap && len(v.items)%2 != 0 {
		return ednValue{}, p.errorf(line, "map has a key without a value")
	}
	return v, nil
}

// readString reads a string after its opening quote.
func (p *ednReader) readString(line int) (string, error) {
	var b strings.Builder
	for {
		c, err := p.readByte()
		if err == io.EOF {
			return "", p.errorf(line, "string never closed (input ends at line %d)", p.line)
		}
		if err != nil {
			return "", err
		}
		switch c {
		case '"':
			return b.String(), nil
		case '\\':
			e, err := p.readByte()
			if err == io.EOF {
				return "", p.errorf(line, "string never closed (input ends at line %d)", p.line)
			}
			if err != nil {
				return "", err
			}
			switch e {
			case '"', '\\':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'u':
				r, err := p.readHex4()
				if err != nil {
					return "", err
				}
				b.WriteRune(r)
			default:
				return "", p.errorf(p.line, "invalid escape %q in string", "\\"+string(rune(e)))
			}
		default:
			b.WriteByte(c)
		}
	}
}

// readHex4 reads the four hex digits of a \u escape. Lone surrogates read
// as U+FFFD.
func (p *ednReader) readHex4() (rune, error) {
	var r rune
	for i := 0; i < 4; i++ {
		c, err := p.readByte()
		if err != nil && err != io.EOF {
			return 0, err
		}
		d, ok := hexDigit(c)
		if err == io.EOF || !ok {
			return 0, p.errorf(p.line, "\\u wants four hex digits")
		}
		r = r<<4 | d
	}
	if !utf8.ValidRune(r) {
		r = utf8.RuneError
	}
	return r, nil
}

func hexDigit(c byte) (rune, bool) {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0'), true
	case 'a' <= c && c <= 'f':
		return rune(c-'a') + 10, true
	case 'A' <= c && c <= 'F':
		return rune(c-'A') + 10, true
	}
	return 0, false
}

// readChar reads a character literal after its backslash: \a, \newline,
// \u0041. It is kept as a one-character string.
func (p *ednReader) readChar(line int) (ednValue, error) {
	c, err := p.readByte()
	if err == io.EOF || (err == nil && isEDNSpace(c)) {
		return ednValue{}, p.errorf(line, "a backslash must start a character")
	}
	if err != nil {
		return ednValue{}, err
	}
	tok := string(rune(c))
	if !isEDNDelimiter(c) {
		if tok, err = p.readToken(c); err != nil {
			return ednValue{}, err
		}
	}
	s := ""
	switch tok {
	case "newline":
		s = "\n"
	case "space":
		s = " "
	case "tab":
		s = "\t"
	case "return":
		s = "\r"
	case "backspace":
		s = "\b"
	case "formfeed":
		s = "\f"
	default:
		if r, size := utf8.DecodeRuneInString(tok); r != utf8.RuneError && size == len(tok) {
			s = tok
		} else if len(tok) == 5 && tok[0] == 'u' {
			var r rune
			for i := 1; i < 5; i++ {
				d, ok := hexDigit(tok[i])
				if !ok {
					return ednValue{}, p.errorf(line, "invalid character %q", "\\"+tok)
				}
				r = r<<4 | d
			}
			if !utf8.ValidRune(r) {
				r = utf8.RuneError
			}
			s = string(r)
		} else {
			return ednValue{}, p.errorf(line, "invalid character %q", "\\"+tok)
		}
	}
	return ednValue{kind: ednString, line: line, text: s}, nil
}

// readDispatch reads what follows a '#' (not "#_", which skipSpace
// handles): a set, ##Inf/##NaN, or a tagged literal, whose tag is dropped.
func (p *ednReader) readDispatch(line int) (ednValue, error) {
	c, err := p.readByte()
	if err == io.EOF {
		return ednValue{}, p.errorf(line, "input ends after '#'")
	}
	if err != nil {
		return ednValue{}, err
	}
	switch {
	case c == '{':
		v, err := p.readColl(line, ednSet, '}')
		return v, err
	case c == '#':
		tok, err := p.readToken(0)
		if err != nil {
			return ednValue{}, err
		}
		switch tok {
		case "Inf", "-Inf", "NaN":
			return ednValue{kind: ednString, line: line, text: "##" + tok}, nil
		}
		return ednValue{}, p.errorf(line, "invalid symbolic value %q", "##"+tok)
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		tag, err := p.readToken(c)
		if err != nil {
			return ednValue{}, err
		}
		if !validSymbol(tag) {
			return ednValue{}, p.errorf(line, "invalid tag %q", "#"+tag)
		}
		if err := p.enter(line); err != nil {
			return ednValue{}, err
		}
		v, err := p.readValue()
		p.depth--
		if err == errEDNEnd {
			return ednValue{}, p.errorf(line, "tag %q has no value", "#"+tag)
		}
		return v, err
	}
	return ednValue{}, p.errorf(line, "unsupported dispatch %q", "#"+string(rune(c)))
}
