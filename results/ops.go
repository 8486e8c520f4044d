package results

import (
	"encoding/json"
	"time"

	"raftcheck/checker"
)

// The report draws the history's client operations as
// checker.History.Operations pairs them: an operation never completed is
// info, as in Jepsen, but is drawn so that it stands out from one that
// completed info (opClass), and its hover text says it never completed.

// opClass is the CSS class of how an operation ended: o-ok, o-fail or
// o-info; "o-info never" for one that never completed.
func opClass(o *checker.Operation) string {
	if !o.Completed() {
		return "o-info never"
	}
	return "o-" + string(o.Type)
}

// opValue is the value the report shows of an operation: the completion's
// when it completed ok with one (a read's result), else the invocation's.
func opValue(o *checker.Operation) json.RawMessage {
	if c := o.Completion; o.Type == checker.OK && len(c.Value) > 0 && string(c.Value) != "null" {
		return c.Value
	}
	return o.Invocation.Value
}

// simEnd is the latest virtual time the report draws: the run's end, or
// the history's last event if that is later.
func simEnd(r *Run, h checker.History) int64 {
	end := int64(r.SimSeconds * 1e9)
	if len(h) > 0 {
		end = max(end, h[len(h)-1].Time)
	}
	return max(end, int64(time.Millisecond))
}
