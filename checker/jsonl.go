package checker

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"strings"
)

// WriteJSONL writes the history as JSON Lines, one event a line.
func WriteJSONL(w io.Writer, h History) error {
	jw := NewJSONLWriter(w)
	for i := range h {
		if err := jw.Write(&h[i]); err != nil {
			return err
		}
	}
	return jw.Flush()
}

// JSONLWriter writes a history as JSON Lines one event at a time, as a run
// records them, and hashes what it writes: the bytes are WriteJSONL's, and
// SHA256 is their hash. A nil destination hashes only.
type JSONLWriter struct {
	bw   *bufio.Writer
	enc  *json.Encoder
	hash hash.Hash
	n    int
}

// NewJSONLWriter writes to w (nil: nowhere, the hash only).
func NewJSONLWriter(w io.Writer) *JSONLWriter {
	jw := &JSONLWriter{hash: sha256.New()}
	dst := io.Writer(jw.hash)
	if w != nil {
		dst = io.MultiWriter(w, jw.hash)
	}
	jw.bw = bufio.NewWriterSize(dst, 64<<10)
	jw.enc = json.NewEncoder(jw.bw)
	jw.enc.SetEscapeHTML(false)
	return jw
}

// Write writes one event.
func (jw *JSONLWriter) Write(e *Event) error {
	jw.n++
	return jw.enc.Encode(e)
}

// Events is how many events were written.
func (jw *JSONLWriter) Events() int { return jw.n }

// Flush writes what is buffered.
func (jw *JSONLWriter) Flush() error { return jw.bw.Flush() }

// SHA256 is the hex SHA-256 of every byte written; it flushes first.
func (jw *JSONLWriter) SHA256() (string, error) {
	if err := jw.Flush(); err != nil {
		return "", err
	}
	return hex.EncodeToString(jw.hash.Sum(nil)), nil
}

// ReadJSONL reads a JSON Lines history. name is used in errors, which say
// the line and the field at fault. Unknown fields are ignored, so histories
// written by other tools with extra fields still read. The history is
// validated (see Validate).
func ReadJSONL(r io.Reader, name string) (History, error) {
	var h History
	if st, ok := r.(interface{ Stat() (fs.FileInfo, error) }); ok {
		// A file's size gives the number of events to within a little
		// (our lines are 80-110 bytes): growing a history of a million
		// events by doubling copied it twenty times.
		if fi, err := st.Stat(); err == nil && fi.Mode().IsRegular() {
			h = make(History, 0, fi.Size()/80+1)
		}
	}
	err := ScanJSONL(r, name, func(e *Event) error {
		h = append(h, *e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := h.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return h, nil
}

// ScanJSONL reads a JSON Lines history one event at a time, for a history
// too big to hold: each is called with every event in turn, its Index its
// place in the history, and may keep the event (not the pointer). Lines
// are checked as ReadJSONL checks them, with the same errors; the
// history's structure is not (see Structure). An error from each stops
// the scan and is returned as it is.
func ScanJSONL(r io.Reader, name string, each func(*Event) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	var fast eventDecoder
	line, events := 0, 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var e Event
		hasType, hasProcess, ok := fast.decode(b, &e)
		if !ok || !hasType || !hasProcess {
			var err error
			if e, err = decodeEventJSON(b); err != nil {
				return fmt.Errorf("%s:%d: %s", name, line, err)
			}
		}
		e.Index = events
		events++
		if err := checkEvent(&e); err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
		if err := each(&e); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s:%d: %w", name, line+1, err)
	}
	return nil
}

// decodeEventJSON decodes one line with encoding/json: every line the fast
// decoder declines, and the wording of every error.
func decodeEventJSON(b []byte) (Event, error) {
	var raw struct {
		Event
		Process *Process `json:"process"`
		Type    *Type    `json:"type"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return Event{}, errors.New(describeJSONError(err))
	}
	if raw.Type == nil {
		return Event{}, errors.New("field type: missing")
	}
	if raw.Process == nil {
		return Event{}, errors.New("field process: missing")
	}
	e := raw.Event
	e.Type, e.Process = *raw.Type, *raw.Process
	return e, nil
}

func describeJSONError(err error) string {
	switch e := err.(type) {
	case *json.UnmarshalTypeError:
		return fmt.Sprintf("field %s: want %s, got JSON %s", strings.TrimPrefix(e.Field, "Event."), e.Type, e.Value)
	case *json.SyntaxError:
		return fmt.Sprintf("not valid JSON at byte %d: %v", e.Offset, e)
	}
	return err.Error()
}

func checkEvent(e *Event) error {
	if !e.Type.valid() {
		return fmt.Errorf("field type: %q is not invoke, ok, fail or info", e.Type)
	}
	if e.F == "" {
		return fmt.Errorf("field f: missing")
	}
	if e.Time < 0 {
		return fmt.Errorf("field time: %d is negative", e.Time)
	}
	return nil
}

// Validate checks the history's structure: every event is well formed,
// every client process has at most one operation outstanding, and every
// completion follows an invocation of the same function on its process.
// Nemesis events are not paired. Errors name the event by its index.
// Times may go back: the order of the events is the real-time order, as
// in Jepsen and Knossos, whose :time comes from concurrent threads and
// can be a few nanoseconds out of order (see InFileOrder).
func (h History) Validate() error {
	var st Structure
	for i := range h {
		if err := st.Add(&h[i]); err != nil {
			return err
		}
	}
	return nil
}

// Structure is Validate one event at a time, for a history read as a
// stream (ScanJSONL): Add each event in order; the first error is the one
// Validate gives. It holds one entry per process with an operation
// outstanding.
type Structure struct {
	open map[Process]openInvoke // process -> its outstanding invoke
	n    int
}

type openInvoke struct {
	index int
	f     string
}

// Add checks the next event, e, the i-th added (its Index is not read).
func (st *Structure) Add(e *Event) error {
	i := st.n
	st.n++
	if st.open == nil {
		st.open = map[Process]openInvoke{}
	}
	if err := checkEvent(e); err != nil {
		return fmt.Errorf("event %d: %w", i, err)
	}
	if e.Process == Nemesis {
		return nil
	}
	inv, busy := st.open[e.Process]
	switch {
	case e.Type == Invoke && busy:
		return fmt.Errorf("event %d: process %v invokes while its operation of event %d is outstanding", i, e.Process, inv.index)
	case e.Type == Invoke:
		st.open[e.Process] = openInvoke{index: i, f: e.F}
	case !busy:
		return fmt.Errorf("event %d: process %v completes (%s) an operation it never invoked", i, e.Process, e.Type)
	case inv.f != e.F:
		return fmt.Errorf("event %d: process %v completes f=%q but invoked f=%q at event %d", i, e.Process, e.F, inv.f, inv.index)
	default:
		delete(st.open, e.Process)
	}
	return nil
}
