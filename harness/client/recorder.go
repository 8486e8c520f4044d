package client

import (
	"encoding/json"

	"raftcheck/checker"
	"raftcheck/harness"
)

// Recorder holds a run's history and hands out process ids. Every event is
// stamped with the world's virtual time when it is recorded, so the history
// is in time order by construction.
type Recorder struct {
	world       *harness.World
	history     checker.History
	nextProcess checker.Process
}

// NewRecorder returns an empty recorder for the world's run.
func NewRecorder(w *harness.World) *Recorder { return &Recorder{world: w} }

// NewProcess returns a process id never used before in this run.
func (r *Recorder) NewProcess() checker.Process {
	p := r.nextProcess
	r.nextProcess++
	return p
}

// Record appends an event, stamped with the current virtual time and the
// next index, and returns that index.
func (r *Recorder) Record(typ checker.Type, p checker.Process, f, key string, value json.RawMessage, errText string) int {
	r.history = append(r.history, checker.Event{
		Index:   len(r.history),
		Type:    typ,
		F:       f,
		Key:     key,
		Value:   value,
		Process: p,
		Time:    int64(r.world.Now()),
		Error:   errText,
	})
	return len(r.history) - 1
}

// History is the history so far. The slice is the recorder's own: do not
// modify it.
func (r *Recorder) History() checker.History { return r.history }
