package run

import (
	"fmt"
	"reflect"
	"time"

	"raftcheck/checker"
	"raftcheck/harness"
	"raftcheck/harness/kv"
)

// exactlyOnce is the sessions' oracle (dissertation §6.3): it follows the
// outcome of every command as the log's first replica applied it, and
// asks what the sessions promise, whether or not a client was there to
// see the answer:
//
//   - a retry of a session's latest command is answered with what that
//     command produced, and changes nothing;
//   - a command older than the session's latest is answered stale, never
//     applied.
//
// A session that expired answers every later command "expired", whether
// or not it is ever asked again: the oracle is told of each expiry. Replicas agree on every outcome
// (replica-digest), so the first replica's answers are every replica's.
type exactlyOnce struct {
	sessions map[uint64]onceSession
	// expired holds, for each session the log's first replica expired,
	// the index of the entry at which it did: from there on, every
	// command of it must be answered expired.
	expired map[uint64]uint64
	// ttl is how long a session may stay idle (kv.Config.SessionTTL), and
	// active the sessions' clock when each session last did something
	// that keeps it alive: its registration, a command applied, a retry
	// answered. A session expires only once idle for longer than the ttl.
	ttl    int64
	active map[uint64]int64
	// clock is the latest sessions' clock seen: it never goes back.
	clock    int64
	commands int
	first    string
	broken   int
}

// expire takes the first replica's expiry of sessions at index, with the
// sessions' clock at clock.
func (e *exactlyOnce) expire(w *harness.World, index uint64, clock int64, sessions []uint64) {
	if e.expired == nil {
		e.expired = map[uint64]uint64{}
	}
	for _, id := range sessions {
		if _, seen := e.expired[id]; seen {
			continue
		}
		e.expired[id] = index
		if last, ok := e.active[id]; ok && e.ttl > 0 && clock-last <= e.ttl {
			e.breach(w, fmt.Sprintf("session %d expired at index %d after %v idle, within its ttl of %v: a session lives as long as its client keeps using it", id, index, time.Duration(clock-last), time.Duration(e.ttl)))
		}
	}
}

func (e *exactlyOnce) breach(w *harness.World, why string) {
	e.broken++
	if e.first == "" {
		e.first = why
		w.Note("oracle: %s", why)
	}
}

type onceSession struct {
	lastSeq uint64
	last    kv.Outcome
}

func (e *exactlyOnce) applied(w *harness.World, index uint64, clock int64, out kv.Outcome) {
	e.commands++
	if e.sessions == nil {
		e.sessions = map[uint64]onceSession{}
		e.active = map[uint64]int64{}
	}
	if clock < e.clock {
		// The clock is the latest command time the log applied: going
		// back, it revives sessions that had idled out and expires
		// others early, alike on every replica.
		e.breach(w, fmt.Sprintf("the sessions' clock went back from %v to %v at index %d (session %d's command %d): it is the latest command time the log has applied, and only moves forward", time.Duration(e.clock), time.Duration(clock), index, out.Session, out.Seq))
	}
	e.clock = max(e.clock, clock)
	if out.Kind == kv.CmdRegister {
		e.sessions[out.Session] = onceSession{}
		e.active[out.Session] = clock
		return
	}
	if out.Status == kv.StatusOK || out.Status == kv.StatusFail {
		defer func() { e.active[out.Session] = clock }()
	}
	sess, known := e.sessions[out.Session]
	expiredAt, expired := e.expired[out.Session]
	var why string
	switch {
	case out.Status == kv.StatusExpired && known && !expired:
		why = fmt.Sprintf("session %d's command %d was answered expired at index %d, but the session never expired", out.Session, out.Seq, index)
		delete(e.sessions, out.Session)
	case out.Status == kv.StatusExpired:
		delete(e.sessions, out.Session)
		return
	case expired && index >= expiredAt:
		why = fmt.Sprintf("session %d expired at index %d, yet its command %d was answered %s at index %d: an expired session must answer every later command expired", out.Session, expiredAt, out.Seq, out.Status, index)
	case known && out.Status != kv.StatusStale && e.idledOut(out.Session, clock):
		why = fmt.Sprintf("session %d had been idle for %v, past its ttl of %v, yet its command %d was answered %s at index %d: a session idle for longer than its ttl is expired before its next command", out.Session, time.Duration(clock-e.active[out.Session]), time.Duration(e.ttl), out.Seq, out.Status, index)
	case !known:
		return // registered before what this oracle saw, or expired
	case out.Seq == sess.lastSeq && sess.lastSeq != 0 && !reflect.DeepEqual(out, sess.last):
		why = fmt.Sprintf("a retry of session %d's command %d at index %d was answered %s %+v, where the command had answered %s %+v", out.Session, out.Seq, index, out.Status, out.Result, sess.last.Status, sess.last.Result)
	case out.Seq < sess.lastSeq && out.Status != kv.StatusStale:
		why = fmt.Sprintf("session %d's command %d was answered %s at index %d, after its command %d: an older command must be answered stale", out.Session, out.Seq, out.Status, index, sess.lastSeq)
	case out.Seq > sess.lastSeq:
		e.sessions[out.Session] = onceSession{lastSeq: out.Seq, last: out}
	}
	if why != "" {
		e.breach(w, why)
	}
}

// idledOut says session id had been idle for longer than its ttl, and the
// time the store takes to notice (it looks for idle sessions each time
// its clock has moved an eighth of the ttl: kv.Store's expire), when a
// command of it was applied at clock.
func (e *exactlyOnce) idledOut(id uint64, clock int64) bool {
	last, ok := e.active[id]
	return ok && e.ttl > 0 && clock-last >= e.ttl+e.ttl/8
}

func (e *exactlyOnce) result() checker.Result {
	if e.first != "" {
		return checker.Result{Valid: checker.Invalid, Summary: fmt.Sprintf("%d of %d commands broke the sessions' exactly-once promise; the first: %s", e.broken, e.commands, e.first)}
	}
	return checker.Result{Valid: checker.Valid, Summary: fmt.Sprintf("every one of %d commands was applied once: retries answered as the first time, older commands stale", e.commands)}
}
