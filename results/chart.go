package results

import (
	"bytes"
	"encoding/json"
	"html/template"
)

// chart is one SVG chart of the report, with its legend and a note that
// says what, if anything, was left out or merged to keep it drawable.
type chart struct {
	SVG    template.HTML
	Legend []legendItem
	Note   string
}

// legendItem is a swatch of a CSS class with what it means.
type legendItem struct {
	Class, Label string
}

// faultLegend lists the fault groups that occur, in faultGroups order.
func faultLegend(faults []Fault) []legendItem {
	seen := map[string]bool{}
	for _, f := range faults {
		seen[groupClass(f.Group)] = true
	}
	var out []legendItem
	for _, g := range append(faultGroups, "other") {
		if seen["g-"+g] {
			out = append(out, legendItem{Class: "fault g-" + g, Label: g + " fault"})
		}
	}
	return out
}

// shortValue is a JSON value cut to n bytes for a title or a cell; the
// history file has it whole.
func shortValue(v []byte, n int) string {
	if len(v) == 0 {
		return "null"
	}
	v = readableJSON(v)
	if len(v) <= n {
		return string(v)
	}
	// Cut on a rune boundary, so that the text stays valid UTF-8.
	cut := n
	for cut > 0 && v[cut]&0xC0 == 0x80 {
		cut--
	}
	return string(v[:cut]) + "…"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return commas(n) + " " + many
}

// commas writes n with thousands separators: 100,000.
func commas(n int) string {
	neg := n < 0
	if neg {
		n = -n
	}
	digits := []byte{}
	for i := 0; ; i++ {
		if i > 0 && i%3 == 0 {
			digits = append(digits, ',')
		}
		digits = append(digits, byte('0'+n%10))
		n /= 10
		if n == 0 {
			break
		}
	}
	if neg {
		digits = append(digits, '-')
	}
	for i, j := 0, len(digits)-1; i < j; i, j = i+1, j-1 {
		digits[i], digits[j] = digits[j], digits[i]
	}
	return string(digits)
}

// readableJSON undoes encoding/json's escaping of <, > and & (as \u003c
// and so on), which values encoded in memory have: the report shows
// values as people wrote them, and escapes them for HTML itself.
func readableJSON(v []byte) []byte {
	if !bytes.Contains(v, []byte(`\u00`)) {
		return v
	}
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return v
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(x); err != nil {
		return v
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
