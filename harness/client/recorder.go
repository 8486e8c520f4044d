package client

import (
	"encoding/json"

	"raftcheck/checker"
	"raftcheck/harness"
)

// Recorder holds a run's history and hands out process ids. Every event is
// stamped with the world's virtual time when it is recorded, so the history
// is in time order by construction.
//
// A long run's history does not stay whole in memory: its owner may Evict
// the events of keys it has checked, and a Sink sees every event as it is
// recorded (to write history.jsonl and hash it), so the file and its hash
// are the whole history whatever was evicted. An event's Index is its
// place in the whole history, evicted events counted.
type Recorder struct {
	world       *harness.World
	history     checker.History
	recorded    int
	nextProcess checker.Process
	sink        *checker.JSONLWriter
	sinkErr     error
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
		Index:   r.recorded,
		Type:    typ,
		F:       f,
		Key:     key,
		Value:   value,
		Process: p,
		Time:    int64(r.world.Now()),
		Error:   errText,
	})
	r.recorded++
	if r.sink != nil && r.sinkErr == nil {
		r.sinkErr = r.sink.Write(&r.history[len(r.history)-1])
	}
	return r.recorded - 1
}

// History is the history so far, less what was evicted. The slice is the
// recorder's own: do not modify it.
func (r *Recorder) History() checker.History { return r.history }

// Recorded is how many events were recorded, evicted ones included.
func (r *Recorder) Recorded() int { return r.recorded }

// SetSink has every event from now on written to sink as it is recorded.
func (r *Recorder) SetSink(sink *checker.JSONLWriter) { r.sink = sink }

// Sink is the sink, nil if none.
func (r *Recorder) Sink() *checker.JSONLWriter { return r.sink }

// HashFromHere makes sure the whole history is hashed even once events
// leave memory: a recorder without a sink gets one that only hashes, fed
// first with every event recorded so far, which must all still be in
// memory (the first eviction has not happened yet).
func (r *Recorder) HashFromHere() {
	if r.sink != nil {
		return
	}
	if len(r.history) != r.recorded {
		panic("client: HashFromHere after events were evicted")
	}
	r.sink = checker.NewJSONLWriter(nil)
	for i := range r.history {
		if r.sinkErr = r.sink.Write(&r.history[i]); r.sinkErr != nil {
			return
		}
	}
}

// SinkErr is the sink's first error: once it failed, nothing more was
// written to it.
func (r *Recorder) SinkErr() error { return r.sinkErr }

// Evict removes the events drop selects from the history kept in memory,
// keeping the others in order, and returns how many it removed.
func (r *Recorder) Evict(drop func(*checker.Event) bool) int {
	kept := r.history[:0]
	for i := range r.history {
		if !drop(&r.history[i]) {
			kept = append(kept, r.history[i])
		}
	}
	removed := len(r.history) - len(kept)
	clear(r.history[len(kept):]) // what was evicted must not stay reachable
	r.history = kept
	return removed
}
