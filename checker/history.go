package checker

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// Type is the kind of a history event, as in Jepsen.
type Type string

// The event types. An operation is an invoke followed, on the same
// process, by exactly one of ok, fail or info.
const (
	// Invoke starts an operation.
	Invoke Type = "invoke"
	// OK completes an operation that certainly happened, with its result.
	OK Type = "ok"
	// Fail completes an operation that certainly did not happen.
	Fail Type = "fail"
	// Info completes an operation whose outcome is unknown: it may have
	// happened, at any time after its invocation, or never.
	Info Type = "info"
)

func (t Type) valid() bool {
	switch t {
	case Invoke, OK, Fail, Info:
		return true
	}
	return false
}

// Process identifies who performed an event: a client process (a
// non-negative number) or the nemesis.
type Process int64

// Nemesis is the process of fault events; it is written as "nemesis".
const Nemesis Process = -1

// MarshalJSON writes a client process as a number and the nemesis as
// "nemesis".
func (p Process) MarshalJSON() ([]byte, error) {
	if p == Nemesis {
		return []byte(`"nemesis"`), nil
	}
	return strconv.AppendInt(nil, int64(p), 10), nil
}

// UnmarshalJSON reads a number or "nemesis".
func (p *Process) UnmarshalJSON(b []byte) error {
	if string(b) == `"nemesis"` {
		*p = Nemesis
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("process must be a non-negative integer or \"nemesis\", got %s", b)
	}
	*p = Process(n)
	return nil
}

func (p Process) String() string {
	if p == Nemesis {
		return "nemesis"
	}
	return strconv.FormatInt(int64(p), 10)
}

// Event is one line of a history (../shared/DESIGN.md §4).
//
// Value is kept as raw JSON: its shape depends on the workload and the
// function (a register write's value is a number, a cas's is [old, new], a
// set read's is a list), and the workload that checks it decodes it.
type Event struct {
	Index   int             `json:"index"`
	Type    Type            `json:"type"`
	F       string          `json:"f"`
	Key     string          `json:"key,omitempty"`
	Value   json.RawMessage `json:"value"`
	Process Process         `json:"process"`
	Time    int64           `json:"time"` // virtual nanoseconds since the run began
	// Error says why an operation failed or is indeterminate, or what a
	// nemesis event did to whom.
	Error string `json:"error,omitempty"`
}

// History is a sequence of events in the order they happened.
type History []Event

// InFileOrder returns the history with times that never go back: each
// event's time is raised to the latest time before it, so that checking by
// time checks by the events' order, which is the real-time order. back
// counts the events whose time was raised; when none was, h itself is
// returned.
func (h History) InFileOrder() (ordered History, back int) {
	var last int64
	for i := range h {
		if h[i].Time < last {
			back++
		}
		last = max(last, h[i].Time)
	}
	if back == 0 {
		return h, 0
	}
	ordered = make(History, len(h))
	copy(ordered, h)
	last = 0
	for i := range ordered {
		ordered[i].Time = max(ordered[i].Time, last)
		last = ordered[i].Time
	}
	return ordered, back
}

// Value encodes v as an event value. Values are small, plain data; a value
// that cannot be encoded is a bug in the caller.
func Value(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("checker: value %#v cannot be encoded: %v", v, err))
	}
	return b
}
