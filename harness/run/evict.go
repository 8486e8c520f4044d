package run

import (
	"fmt"
	"time"

	"raftcheck/checker"
	"raftcheck/harness/client"
	"raftcheck/workloads"
)

// DefaultRetainEvents is how many history events a run keeps in memory
// before it checks the keys that retired and evicts their events
// (Config.RetainEvents): about 130 MB of events, and more than a default
// run records by fifty times, so only long runs ever evict.
const DefaultRetainEvents = 500_000

// evictor keeps a long run's memory bounded by the keys in use rather than
// by its length (issue 16). A key retired after --ops-per-key operations
// gets no more; once none of its operations is in flight it is closed, and
// when the history in memory grows past the limit, every closed key is
// checked at once by the workload's model checkers, with the service's
// order of its operations (the witness), as the whole history would have
// checked it: keys are independent.
//
// A key whose checks pass has its events evicted: history.jsonl (the
// recorder's sink) already holds them, and stats and perf count its
// operations (workloads.Evicted). A key whose checks do not pass keeps its
// events, so the run's final check finds and reports it as it would have.
// Either way the key gets no final read, and its events count as gone for
// the limit: when a round runs and which keys it checks depend only on the
// run, never on a verdict or on how long a check took, so the history
// stays the seed's. After a round the next waits until the events in
// memory have grown by a quarter of the limit again, so a run whose
// active keys alone hold more than the limit does not scan the history at
// every completion. A run that never reaches the limit evicts nothing and
// is what it always was. At the first round, the recorder starts hashing
// the whole history (if it did not write it somewhere already), for the
// determinism checks that compare runs.
type evictor struct {
	limit    int
	workload string
	budget   time.Duration
	phase    *phase
	rec      *client.Recorder
	keys     *workloads.Keys
	witness  *witnessLog

	// open counts each key's operations in flight; closed are the retired
	// keys with none, in the order they closed, not yet checked.
	open   map[string]int
	closed []string
	// checked are the keys an eviction round checked: they get no final
	// read. kept are those whose checks did not pass, whose events stay.
	checked map[string]bool
	kept    int
	// keptEvents are the events in memory of the kept keys, which count
	// as gone for the limit; next is the count of the others at which the
	// next round runs.
	keptEvents int
	next       int
	evicted    workloads.Evicted
	err        error
}

func newEvictor(cfg Config, ph *phase, rec *client.Recorder, keys *workloads.Keys, w *witnessLog) *evictor {
	limit := cfg.RetainEvents
	if limit <= 0 {
		limit = DefaultRetainEvents
	}
	return &evictor{limit: limit, next: limit, workload: cfg.Workload, budget: cfg.checkBudget(), phase: ph, rec: rec, keys: keys, witness: w,
		open: map[string]int{}, checked: map[string]bool{}}
}

func (e *evictor) invoked(key string) {
	if key != "" {
		e.open[key]++
	}
}

// completed notes that an operation on key ended, and evicts when the
// history has outgrown the limit. It returns the error of a check that
// could not run (a history the workload cannot read is the harness's bug).
func (e *evictor) completed(key string) error {
	if key == "" {
		return nil
	}
	if e.open[key]--; e.open[key] <= 0 {
		delete(e.open, key)
		if e.keys.Retired(key) && !e.checked[key] {
			e.closed = append(e.closed, key)
		}
	}
	// Only in the main phase: after it, final reads are being planned
	// and made for the keys still unchecked.
	if *e.phase == mainPhase && e.inMemory() > e.next && len(e.closed) > 0 {
		return e.evict()
	}
	return nil
}

// inMemory is the events in memory that count for the limit: all but
// those of the keys a round checked and kept.
func (e *evictor) inMemory() int { return len(e.rec.History()) - e.keptEvents }

// evict checks every closed key and evicts the events of those that pass.
func (e *evictor) evict() error {
	e.rec.HashFromHere()
	round := map[string]bool{}
	for _, k := range e.closed {
		round[k] = true
	}
	byKey := map[string]checker.History{}
	for _, ev := range e.rec.History() {
		if round[ev.Key] {
			byKey[ev.Key] = append(byKey[ev.Key], ev)
		}
	}
	passed := map[string]bool{}
	for _, k := range e.closed {
		h := byKey[k]
		e.checked[k] = true
		rs, err := workloads.CheckRetired(h, e.workload, e.budget, e.witness.forKey(h))
		if err != nil {
			return fmt.Errorf("run: checking retired key %s: %w", k, err)
		}
		if rs.Valid() != checker.Valid {
			e.kept++
			e.keptEvents += len(h)
			continue
		}
		passed[k] = true
		e.evicted.Add(h)
		e.witness.forget(h)
	}
	e.closed = e.closed[:0]
	e.rec.Evict(func(ev *checker.Event) bool { return passed[ev.Key] })
	e.next = max(e.limit, e.inMemory()+e.limit/4)
	return nil
}
