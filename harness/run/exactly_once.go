package run

import (
	"fmt"
	"reflect"

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
	expired  map[uint64]uint64
	commands int
	first    string
	broken   int
}

// expire takes the first replica's expiry of sessions at index.
func (e *exactlyOnce) expire(index uint64, sessions []uint64) {
	if e.expired == nil {
		e.expired = map[uint64]uint64{}
	}
	for _, id := range sessions {
		if _, seen := e.expired[id]; !seen {
			e.expired[id] = index
		}
	}
}

type onceSession struct {
	lastSeq uint64
	last    kv.Outcome
}

func (e *exactlyOnce) applied(w *harness.World, index uint64, out kv.Outcome) {
	e.commands++
	if e.sessions == nil {
		e.sessions = map[uint64]onceSession{}
	}
	if out.Kind == kv.CmdRegister {
		e.sessions[out.Session] = onceSession{}
		return
	}
	sess, known := e.sessions[out.Session]
	expiredAt, expired := e.expired[out.Session]
	var why string
	switch {
	case out.Status == kv.StatusExpired:
		// A session is answered expired only once it is gone, for good.
		delete(e.sessions, out.Session)
		e.expire(index, []uint64{out.Session})
		return
	case expired && index >= expiredAt:
		why = fmt.Sprintf("session %d expired at index %d, yet its command %d was answered %s at index %d: an expired session must answer every later command expired", out.Session, expiredAt, out.Seq, out.Status, index)
	case !known:
		return // registered before what this oracle saw, or expired
	case out.Seq == sess.lastSeq && sess.lastSeq != 0 && !reflect.DeepEqual(out, sess.last):
		why = fmt.Sprintf("a retry of session %d's command %d at index %d was answered %s, where the command had answered %s", out.Session, out.Seq, index, out.Status, sess.last.Status)
	case out.Seq < sess.lastSeq && out.Status != kv.StatusStale:
		why = fmt.Sprintf("session %d's command %d was answered %s at index %d, after its command %d: an older command must be answered stale", out.Session, out.Seq, out.Status, index, sess.lastSeq)
	case out.Seq > sess.lastSeq:
		e.sessions[out.Session] = onceSession{lastSeq: out.Seq, last: out}
	}
	if why == "" {
		return
	}
	e.broken++
	if e.first == "" {
		e.first = why
		w.Note("oracle: %s", why)
	}
}

func (e *exactlyOnce) result() checker.Result {
	if e.first != "" {
		return checker.Result{Valid: checker.Invalid, Summary: fmt.Sprintf("%d of %d commands broke the sessions' exactly-once promise; the first: %s", e.broken, e.commands, e.first)}
	}
	return checker.Result{Valid: checker.Valid, Summary: fmt.Sprintf("every one of %d commands was applied once: retries answered as the first time, older commands stale", e.commands)}
}
