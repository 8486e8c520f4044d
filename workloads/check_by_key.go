package workloads

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"raftcheck/checker"
)

// Scan reads a history one event at a time, calling each with every event
// in order (checker.ScanJSONL over a file, say). CheckModelByKey calls it
// twice, and both scans must give the same events. name is the history's
// in errors.
type Scan func(each func(*checker.Event) error) error

// CheckModelByKey is CheckModelWith for a history too big to hold (issue
// 16): its memory depends on the keys that are open at once, not on the
// history's length. The first scan checks the history's structure and
// notes where each key's last event is. The second gathers each key's
// events and checks the key by the model's checkers as soon as its last
// event is read; a key that passes leaves memory, and counts in stats and
// perf as a long run's evicted keys do (Evicted). A key that does not
// pass, or that the budget left undecided, is kept, and the final check
// of everything kept (with the events of no key, the nemesis's) finds and
// reports it as CheckModelWith would have: keys are independent, so the
// verdicts are the same.
//
// The keys checked as they close share one budget (a key's check may
// retry with twice what is left of it); once it is spent, the keys still
// to close are kept for the final check, which has a budget of its own.
// So a check takes at most six times budget, not three.
func CheckModelByKey(scan Scan, name, model string, opts ModelOptions, budget time.Duration) (*Checked, error) {
	if _, ok := linearizable[model]; !ok {
		// The model's name is checked before any event is read.
		_, _, err := checkModelOnly(nil, model, budget, nil, opts)
		return nil, err
	}
	last := map[string]int{}
	var st checker.Structure
	var malformed error
	events := 0
	var first keyOf
	if err := scan(func(e *checker.Event) error {
		events++
		if k := first.key(e); k != "" {
			last[k] = e.Index
		}
		if err := st.Add(e); err != nil && malformed == nil {
			// As checker.ReadJSONL: a line that cannot be read is
			// reported before a history whose structure is wrong.
			malformed = fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if malformed != nil {
		return nil, malformed
	}
	if events == 0 {
		return nil, ErrNoEvents
	}

	var (
		started  = time.Now()
		open     = map[string]checker.History{}
		kept     checker.History // events of no key, and of the keys kept
		evicted  = Evicted{streamed: true}
		latest   int64 // the latest time so far: checker.History.InFileOrder, as the events stream
		gathered int
		second   keyOf
		// unreadable is the earliest invoked operation the model could
		// not read, of all keys: the error a check of the whole gives.
		unreadable *opError
	)
	err := scan(func(e *checker.Event) error {
		gathered++
		ev := *e
		// The file's order is the real-time order: a time that goes back
		// is raised to the latest before it, over the whole history, as
		// InFileOrder does.
		ev.Time = max(ev.Time, latest)
		latest = ev.Time
		k := second.key(&ev)
		if k == "" {
			kept = append(kept, ev)
			return nil
		}
		h := append(open[k], ev)
		if ev.Index != last[k] {
			open[k] = h
			return nil
		}
		delete(open, k)
		left := budget - time.Since(started)
		if budget > 0 && left <= 0 {
			kept = append(kept, h...)
			return nil
		}
		c, _, err := checkModelOnly(h, model, left, nil, opts)
		var bad *opError
		if errors.As(err, &bad) {
			if unreadable == nil || bad.invoked < unreadable.invoked {
				unreadable = bad
			}
			return nil
		}
		if err != nil {
			return err
		}
		if c.Results.Valid() != checker.Valid {
			kept = append(kept, h...)
			return nil
		}
		evicted.Add(h)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if unreadable != nil {
		return nil, unreadable
	}
	if gathered != events || len(open) > 0 {
		return nil, errScanChanged
	}
	// The kept keys' events, in the history's order.
	slices.SortFunc(kept, func(a, b checker.Event) int { return a.Index - b.Index })
	return checkModel(kept, model, budget, nil, opts, &evicted)
}

// ErrNoEvents is a history without a single event: far likelier cut short
// or the wrong file than a test that did nothing.
var ErrNoEvents = errors.New("no events")

// errScanChanged is a history that read differently the second time: a
// file written to while it was checked.
var errScanChanged = errors.New("the history changed between its two reads (is it still being written?)")

// keyOf groups events by key as a check of the whole history pairs them:
// a completion belongs to the key of the invocation it completes, whatever
// key it names itself (a writer may leave it out).
type keyOf struct {
	invoked map[checker.Process]string // process -> key of its outstanding invocation
}

func (o *keyOf) key(e *checker.Event) string {
	if e.Process == checker.Nemesis {
		// A check of the whole never groups a nemesis event with a key.
		return ""
	}
	if o.invoked == nil {
		o.invoked = map[checker.Process]string{}
	}
	if e.Type == checker.Invoke {
		o.invoked[e.Process] = e.Key
		return e.Key
	}
	k, ok := o.invoked[e.Process]
	if !ok {
		return e.Key
	}
	delete(o.invoked, e.Process)
	return k
}
