package harness

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
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

// Trace is the record of a run, kept as a running hash rather than in
// memory: every record is rendered to its line of text when it happens, fed
// to a SHA-256, and written to the trace's sink if it has one. Memory is
// therefore the same for a run of a minute and of a day, and the hash is
// there whether or not the text is kept (issue 16). A trace without a sink
// cannot be written afterwards: a run whose trace is wanted (a failing one)
// is run again, deterministically, with a sink.
//
// A payload is rendered when its record is added, so the trace shows a
// message as it was sent, whatever its sender does with it afterwards.
type Trace struct {
	on    bool
	n     int
	names func(Addr) string
	hash  hash.Hash
	line  []byte
	sink  *bufio.Writer
	// sinkErr is the first error of the sink: once it fails, the rest of
	// the text is not written, and Flush reports the error.
	sinkErr error
	// watch, if set, sees every record as it is added (tests). It takes a
	// copy, so that a record does not escape to the heap.
	watch func(TraceRecord)
}

func newTrace(on bool, names func(Addr) string, sink io.Writer) Trace {
	t := Trace{on: on, names: names, hash: sha256.New()}
	if sink != nil {
		t.sink = bufio.NewWriterSize(sink, 64<<10)
	}
	return t
}

func (t *Trace) add(r TraceRecord) {
	if !t.on {
		return
	}
	if t.watch != nil {
		t.watch(r)
	}
	t.line = t.appendRecord(t.line[:0], &r)
	t.hash.Write(t.line) // a hash never fails to write
	if t.sink != nil && t.sinkErr == nil {
		_, t.sinkErr = t.sink.Write(t.line)
	}
	t.n++
}

func (t *Trace) note(at time.Duration, from Addr, format string, args ...any) {
	if t.on {
		t.add(TraceRecord{At: at, Kind: TraceNote, From: from, Payload: fmt.Sprintf(format, args...)})
	}
}

// Watch calls visit with every record added from now on, before it is
// rendered. It is for tests that count what happened.
func (t *Trace) Watch(visit func(TraceRecord)) { t.watch = visit }

// On reports whether the trace records anything.
func (t *Trace) On() bool { return t.on }

// Len is the number of records.
func (t *Trace) Len() int { return t.n }

// Flush writes what the sink still buffers and reports the sink's first
// error. A trace without a sink has nothing to flush.
func (t *Trace) Flush() error {
	if t.sink == nil {
		return nil
	}
	if t.sinkErr != nil {
		return t.sinkErr
	}
	t.sinkErr = t.sink.Flush()
	return t.sinkErr
}

// SHA256 is the hex SHA-256 of the trace's text so far, one record a line:
//
//	<virtual ns> <kind> <from>[-><to>] [#id] [detail]
//
// Two runs did the same things in the same order exactly when their hashes
// are equal. A trace that is off hashes nothing: its hash is that of no
// text.
func (t *Trace) SHA256() string {
	if t.hash == nil {
		return hex.EncodeToString(sha256.New().Sum(nil))
	}
	return hex.EncodeToString(t.hash.Sum(nil))
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
