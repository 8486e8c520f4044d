package results

import (
	"html"
	"html/template"
	"math"
	"strconv"
	"time"
)

// svg writes one SVG image. The charts reach the page as template.HTML,
// past html/template's escaping, so this is where every value from a
// history, a config or the faults becomes markup: text and titles go
// through html.EscapeString here, and attributes only ever receive numbers
// and the class names and ids written in this package.
type svg struct {
	b []byte
}

func newSVG(id string, width, height float64, label string) *svg {
	s := &svg{b: make([]byte, 0, 4096)}
	s.raw(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="`)
	s.raw(id)
	s.raw(`" viewBox="0 0 `)
	s.num(width)
	s.raw(" ")
	s.num(height)
	s.raw(`" role="img" aria-label="`)
	s.text(label)
	s.raw(`">`)
	return s
}

// raw writes markup written in this package, never data.
func (s *svg) raw(m string) { s.b = append(s.b, m...) }

// text writes escaped text.
func (s *svg) text(t string) { s.b = append(s.b, html.EscapeString(t)...) }

func (s *svg) num(f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		f = 0
	}
	s.b = strconv.AppendFloat(s.b, math.Round(f*10)/10, 'f', -1, 64)
}

func (s *svg) title(t string) {
	if t == "" {
		return
	}
	s.raw("<title>")
	s.text(t)
	s.raw("</title>")
}

// rect draws a rectangle of class with a hover title. A rectangle narrower
// than a pixel is widened to one, so that every operation stays visible.
func (s *svg) rect(x, y, w, h float64, class, title string) {
	s.rectID("", x, y, w, h, class, title)
}

func (s *svg) rectID(id string, x, y, w, h float64, class, title string) {
	s.raw(`<rect`)
	if id != "" {
		s.raw(` id="`)
		s.raw(id)
		s.raw(`"`)
	}
	s.raw(` x="`)
	s.num(x)
	s.raw(`" y="`)
	s.num(y)
	s.raw(`" width="`)
	s.num(max(w, 1))
	s.raw(`" height="`)
	s.num(max(h, 1))
	s.raw(`" class="`)
	s.raw(class)
	if title == "" {
		s.raw(`"/>`)
		return
	}
	s.raw(`">`)
	s.title(title)
	s.raw(`</rect>`)
}

func (s *svg) line(x1, y1, x2, y2 float64, class string) {
	s.raw(`<line x1="`)
	s.num(x1)
	s.raw(`" y1="`)
	s.num(y1)
	s.raw(`" x2="`)
	s.num(x2)
	s.raw(`" y2="`)
	s.num(y2)
	s.raw(`" class="`)
	s.raw(class)
	s.raw(`"/>`)
}

// label writes text at (x, y); anchor is start, middle or end.
func (s *svg) label(x, y float64, class, anchor, t string) {
	s.raw(`<text x="`)
	s.num(x)
	s.raw(`" y="`)
	s.num(y)
	s.raw(`" class="`)
	s.raw(class)
	s.raw(`" text-anchor="`)
	s.raw(anchor)
	s.raw(`">`)
	s.text(t)
	s.raw(`</text>`)
}

type point struct{ x, y float64 }

func (s *svg) polyline(pts []point, class, title string) {
	if len(pts) == 0 {
		return
	}
	s.raw(`<polyline class="`)
	s.raw(class)
	s.raw(`" points="`)
	for i, p := range pts {
		if i > 0 {
			s.raw(" ")
		}
		s.num(p.x)
		s.raw(",")
		s.num(p.y)
	}
	s.raw(`">`)
	s.title(title)
	s.raw(`</polyline>`)
}

// marker draws an operation's point: a circle (ok), a square (fail) or a
// triangle (info, or never completed), so that outcomes differ in shape as
// well as colour.
func (s *svg) marker(x, y float64, outcome, class, title string) {
	switch outcome {
	case "ok":
		s.raw(`<circle r="2.2" cx="`)
		s.num(x)
		s.raw(`" cy="`)
		s.num(y)
	case "fail":
		s.raw(`<rect width="4" height="4" x="`)
		s.num(x - 2)
		s.raw(`" y="`)
		s.num(y - 2)
	default:
		s.raw(`<path d="M`)
		s.num(x)
		s.raw(",")
		s.num(y - 3)
		s.raw("l3,5.2h-6z")
	}
	s.raw(`" class="`)
	s.raw(class)
	s.raw(`">`)
	s.title(title)
	s.raw(`</`)
	switch outcome {
	case "ok":
		s.raw("circle>")
	case "fail":
		s.raw("rect>")
	default:
		s.raw("path>")
	}
}

func (s *svg) html() template.HTML {
	s.raw("</svg>")
	return template.HTML(s.b) // #nosec: every value was escaped as it was written
}

// frame is a chart's plot area inside its image: margins around it, and
// virtual time from 0 to end along x.
type frame struct {
	width, height            float64
	left, right, top, bottom float64
	end                      int64 // ns at the right edge
}

func (f frame) plotWidth() float64  { return f.width - f.left - f.right }
func (f frame) plotBottom() float64 { return f.height - f.bottom }

// x is the horizontal position of virtual time t.
func (f frame) x(t int64) float64 {
	t = min(max(t, 0), f.end)
	return f.left + float64(t)/float64(f.end)*f.plotWidth()
}

// timeAxis draws the time axis under the plot area, with a tick every
// round number of seconds.
func (f frame) timeAxis(s *svg) {
	y := f.plotBottom()
	s.line(f.left, y, f.left+f.plotWidth(), y, "axis")
	step := niceStep(float64(f.end)/1e9, 10)
	for v := 0.0; v <= float64(f.end)/1e9+step/1e6; v += step {
		x := f.x(int64(v * 1e9))
		s.line(x, y, x, y+4, "axis")
		s.label(x, y+15, "tick", "middle", formatSeconds(v))
	}
	s.label(f.left+f.plotWidth(), y+30, "axis-label", "end", "time")
}

// niceStep is a step of 1, 2 or 5 times a power of ten that divides span
// into at most n parts.
func niceStep(span float64, n int) float64 {
	if span <= 0 {
		return 1
	}
	raw := span / float64(n)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

func formatSeconds(v float64) string {
	if v != 0 && math.Abs(v) < 1 {
		return strconv.FormatFloat(v*1000, 'f', -1, 64) + "ms"
	}
	return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64) + "s"
}

// dur writes virtual ns for people: 1.234s, 12.5ms.
func dur(ns int64) string {
	d := time.Duration(ns)
	switch {
	case d >= time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) + "s"
	case d >= time.Millisecond:
		return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) + "ms"
	}
	return d.String()
}

// faultGroups are the nemesis's fault families the report colours; any
// other group is drawn as "other".
var faultGroups = []string{"partition", "kill", "pause", "clock", "packet", "disk"}

func groupClass(g string) string {
	for _, k := range faultGroups {
		if g == k {
			return "g-" + k
		}
	}
	return "g-other"
}

// maxShadedFaults bounds the fault intervals a chart shades; the faults
// table lists them all.
const maxShadedFaults = 500

// shadeFaults shades each fault's interval over the plot area, between
// top and bottom, with a hover title saying what the fault was.
func shadeFaults(s *svg, f frame, faults []Fault, top, bottom float64) {
	for i, ft := range faults {
		if i == maxShadedFaults {
			break
		}
		x0, x1 := f.x(ft.Start), f.x(ft.endOr(f.end))
		s.rect(x0, top, x1-x0, bottom-top, "fault "+groupClass(ft.Group), faultTitle(ft, f.end))
	}
}

func faultTitle(ft Fault, end int64) string {
	return ft.Kind + " " + dur(ft.Start) + "–" + dur(ft.endOr(end)) + ": " + ft.Description
}
