package harness

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"time"
)

// TraceKind says what a trace record records.
type TraceKind uint8

// The kinds of trace records.
const (
	TraceSend TraceKind = iota + 1
	TraceDeliver
	TraceDrop
	TraceDuplicate
	TraceCut
	TraceConnect
	TraceStart
	TraceCrash
	TraceRestart
	TracePause
	TraceResume
	TraceClockJump
	TraceClockRate
	TraceSync
	TraceNote
	TraceStop
)

var traceKindNames = [...]string{
	TraceSend:      "send",
	TraceDeliver:   "deliver",
	TraceDrop:      "drop",
	TraceDuplicate: "duplicate",
	TraceCut:       "cut",
	TraceConnect:   "connect",
	TraceStart:     "start",
	TraceCrash:     "crash",
	TraceRestart:   "restart",
	TracePause:     "pause",
	TraceResume:    "resume",
	TraceClockJump: "clock-jump",
	TraceClockRate: "clock-rate",
	TraceSync:      "sync",
	TraceNote:      "note",
	TraceStop:      "stop",
}

func (k TraceKind) String() string {
	if int(k) < len(traceKindNames) && traceKindNames[k] != "" {
		return traceKindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// TraceRecord is one thing that happened, at virtual time At.
//
// From is the acting endpoint (the sender, the crashed node; -1 for the
// world itself), To the other endpoint of a message or link. ID is a
// message id (the same for a message's send, duplicate, deliveries and
// drop) or a sync id. Arg carries a number whose meaning depends on the
// kind: the drop cause, a clock's jump or rate, a torn write's length.
type TraceRecord struct {
	At   time.Duration
	Kind TraceKind
	From Addr
	To   Addr
	ID   uint64
	Arg  int64
	// Payload is the message of a TraceSend, rendered only when the trace
	// is written, or the text (a string) of a TraceNote or TraceStop.
	Payload any
}

// Tracer renders a payload in a trace. A payload that does not implement it
// (or TraceAppender) is shown by its type name: the default %v formatting
// could print pointer addresses, which differ between runs.
type Tracer interface {
	TraceString() string
}

// TraceAppender is a Tracer that appends its rendering to a buffer, for
// payloads frequent enough that a string each would cost.
type TraceAppender interface {
	AppendTrace(b []byte) []byte
}

// Trace is the record of a run. Records are kept in memory, cheaply, and
// rendered to text only when the trace is written or hashed, so tracing
// costs little on the simulated path. They are stored in fixed-size chunks,
// so a long trace grows without copying what it already holds.
type Trace struct {
	on     bool
	chunks [][]TraceRecord
	n      int
	names  func(Addr) string
}

const traceChunk = 8192

func (t *Trace) add(r TraceRecord) {
	if !t.on {
		return
	}
	if t.n%traceChunk == 0 {
		t.chunks = append(t.chunks, make([]TraceRecord, 0, traceChunk))
	}
	last := &t.chunks[len(t.chunks)-1]
	*last = append(*last, r)
	t.n++
}

func (t *Trace) note(at time.Duration, from Addr, format string, args ...any) {
	if t.on {
		t.add(TraceRecord{At: at, Kind: TraceNote, From: from, Payload: fmt.Sprintf(format, args...)})
	}
}

// Records calls visit for every record in order, until visit returns false.
func (t *Trace) Records(visit func(*TraceRecord) bool) {
	for _, chunk := range t.chunks {
		for i := range chunk {
			if !visit(&chunk[i]) {
				return
			}
		}
	}
}

// Len is the number of records.
func (t *Trace) Len() int { return t.n }

// WriteTo writes the trace as text, one record a line:
//
//	<virtual ns> <kind> <from>[-><to>] [#id] [detail]
func (t *Trace) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	var n int64
	var line []byte
	var err error
	t.Records(func(r *TraceRecord) bool {
		line = t.appendRecord(line[:0], r)
		var m int
		m, err = bw.Write(line)
		n += int64(m)
		return err == nil
	})
	if err != nil {
		return n, err
	}
	return n, bw.Flush()
}

// SHA256 is the hex SHA-256 of the text WriteTo writes: two runs did the
// same things in the same order exactly when their hashes are equal.
func (t *Trace) SHA256() string {
	h := sha256.New()
	_, _ = t.WriteTo(h) // a hash never fails to write
	return hex.EncodeToString(h.Sum(nil))
}

func (t *Trace) name(a Addr) string {
	if a < 0 {
		return "world"
	}
	return t.names(a)
}

func (t *Trace) appendRecord(b []byte, r *TraceRecord) []byte {
	b = strconv.AppendInt(b, int64(r.At), 10)
	b = append(b, ' ')
	b = append(b, r.Kind.String()...)
	b = append(b, ' ')
	b = append(b, t.name(r.From)...)
	switch r.Kind {
	case TraceSend, TraceDeliver, TraceDrop, TraceDuplicate, TraceCut, TraceConnect:
		b = append(b, "->"...)
		b = append(b, t.name(r.To)...)
	}
	if r.ID != 0 {
		b = append(b, " #"...)
		b = strconv.AppendUint(b, r.ID, 10)
	}
	switch r.Kind {
	case TraceSend:
		b = append(b, ' ')
		b = appendPayload(b, r.Payload)
	case TraceDrop:
		b = append(b, ' ')
		b = append(b, DropCause(r.Arg).String()...)
	case TraceClockJump:
		b = append(b, " by "...)
		b = append(b, time.Duration(r.Arg).String()...)
	case TraceClockRate:
		b = append(b, " to "...)
		b = strconv.AppendInt(b, r.Arg, 10)
		b = append(b, "ppm"...)
	case TraceCrash:
		if r.Arg > 0 {
			b = append(b, " torn="...)
			b = strconv.AppendInt(b, r.Arg, 10)
		}
	}
	if text, ok := r.Payload.(string); ok && (r.Kind == TraceNote || r.Kind == TraceStop) {
		b = append(b, ' ')
		b = strconv.AppendQuote(b, text)
	}
	return append(b, '\n')
}

func appendPayload(b []byte, p any) []byte {
	switch v := p.(type) {
	case nil:
		return append(b, "<nil>"...)
	case TraceAppender:
		return v.AppendTrace(b)
	case Tracer:
		return append(b, v.TraceString()...)
	case string:
		return strconv.AppendQuote(b, v)
	case []byte:
		return strconv.AppendQuote(b, string(v))
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case uint64:
		return strconv.AppendUint(b, v, 10)
	}
	return append(b, reflect.TypeOf(p).String()...)
}
