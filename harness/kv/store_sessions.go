package kv

import (
	"fmt"
	"slices"
	"time"

	"raftcheck/raft"
)

// Status is how a command or request ended.
type Status uint8

// The statuses a server answers with.
const (
	// StatusOK: the operation took effect (or, for a read, was served),
	// with Result.
	StatusOK Status = iota + 1
	// StatusFail: the operation certainly did not take effect (a cas whose
	// expected value did not match).
	StatusFail
	// StatusExpired: the session is unknown (expired, or never opened
	// here); whether the command took effect before it expired cannot be
	// known.
	StatusExpired
	// StatusStale: the command is older than the session's latest; its
	// client has already moved on and ignores the answer.
	StatusStale
	// StatusNotLeader: this node cannot serve the request; Response.Leader
	// hints at a node that might.
	StatusNotLeader
)

func (s Status) String() string {
	switch s {
	case StatusOK:
		return "ok"
	case StatusFail:
		return "fail"
	case StatusExpired:
		return "expired"
	case StatusStale:
		return "stale"
	case StatusNotLeader:
		return "not-leader"
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// Outcome is what applying one log entry produced, for the server to
// answer the client that asked, if it is waiting here.
type Outcome struct {
	Kind    CommandKind
	Session uint64
	Seq     uint64
	Status  Status
	Result  Result
}

type session struct {
	lastSeq    uint64
	last       Outcome
	lastActive int64
}

// Store is the replicated state machine: the data, and the client sessions
// that make retried commands exactly-once (dissertation §6.3).
type Store struct {
	data     data
	sessions map[uint64]*session
	expired  []uint64 // by the last Apply
	ttl      int64
	// clock is the latest command time applied; sessions idle for longer
	// than ttl on this clock are expired. nextScan is when to look again.
	clock    int64
	nextScan int64
	applied  uint64
	// retries counts commands answered from their session instead of
	// being applied again.
	retries int
	// noDedup is the planted bug BugNoDedup.
	noDedup bool
	// digest folds in every entry applied (store_digest.go), and
	// sessionsHash the live sessions after it.
	digest       digest
	sessionsHash uint64
	// localClock, when set, is the planted bug BugLocalExpiry: the time
	// sessions expire by, from the applying node's own clock.
	localClock int64
}

// Retries is the number of retried commands the sessions answered without
// applying them again.
func (s *Store) Retries() int { return s.retries }

// NewStore returns an empty store whose sessions expire after ttl without
// a command.
func NewStore(ttl time.Duration) *Store { return newStore(ttl, false) }

func newStore(ttl time.Duration, noDedup bool) *Store {
	return &Store{data: newData(), sessions: map[uint64]*session{}, ttl: int64(ttl), noDedup: noDedup, digest: fnvOffset}
}

// Applied is the index of the last entry applied.
func (s *Store) Applied() uint64 { return s.applied }

// Sessions is the number of live sessions.
func (s *Store) Sessions() int { return len(s.sessions) }

// Apply applies a committed log entry; ok is false for entries that are not
// commands (the leaders' no-ops). Entries must come in index order.
func (s *Store) Apply(e raft.Entry) (out Outcome, ok bool, err error) {
	out, ok, err = s.apply(e)
	if err == nil {
		s.digest = s.digest.outcome(e.Index, out, ok, s.sessionsHash)
	}
	return out, ok, err
}

func (s *Store) apply(e raft.Entry) (out Outcome, ok bool, err error) {
	s.expired = s.expired[:0] // an entry that is no command expires nothing
	if e.Index != s.applied+1 {
		return Outcome{}, false, fmt.Errorf("kv: applying index %d after %d", e.Index, s.applied)
	}
	s.applied = e.Index
	if e.Type != raft.EntryNormal {
		return Outcome{}, false, nil
	}
	cmd, err := DecodeCommand(e.Data)
	if err != nil {
		return Outcome{}, false, fmt.Errorf("entry %d: %w", e.Index, err)
	}
	at := cmd.Time
	if s.localClock != 0 {
		at = s.localClock
	}
	if at > s.clock {
		s.clock = at
	}
	s.expire()
	switch cmd.Kind {
	case CmdRegister:
		s.sessions[e.Index] = &session{lastActive: s.clock}
		s.sessionsHash += sessionTerm(e.Index, 0)
		return Outcome{Kind: CmdRegister, Session: e.Index, Seq: cmd.Seq, Status: StatusOK}, true, nil
	default:
		return s.applyOp(cmd), true, nil
	}
}

func (s *Store) applyOp(cmd Command) Outcome {
	out := Outcome{Kind: CmdOp, Session: cmd.Session, Seq: cmd.Seq}
	sess, ok := s.sessions[cmd.Session]
	switch {
	case !ok:
		out.Status = StatusExpired
		return out
	case cmd.Seq < sess.lastSeq:
		out.Status = StatusStale
		return out
	case cmd.Seq == sess.lastSeq && !s.noDedup:
		// A retry of the latest command: answer what it answered then,
		// without applying it again.
		sess.lastActive = s.clock
		s.retries++
		return sess.last
	}
	out.Result = s.data.apply(cmd.Op)
	out.Status = StatusOK
	if !out.Result.OK {
		out.Status = StatusFail
	}
	s.sessionsHash += sessionTerm(cmd.Session, cmd.Seq) - sessionTerm(cmd.Session, sess.lastSeq)
	sess.lastSeq, sess.last, sess.lastActive = cmd.Seq, out, s.clock
	return out
}

// Read serves a read-only operation from the applied state.
func (s *Store) Read(op Op) Result { return s.data.apply(op) }

// Cached returns the session's answer to seq if seq is its latest command,
// so a leader can answer a retry without a new log entry.
func (s *Store) Cached(sessionID, seq uint64) (Outcome, bool) {
	sess, ok := s.sessions[sessionID]
	if !ok || sess.lastSeq != seq || seq == 0 {
		return Outcome{}, false
	}
	return sess.last, true
}

// expire drops the sessions idle for longer than the ttl. Which sessions go
// depends only on the log, never on map order: all idle ones go at once.
func (s *Store) expire() {
	s.expired = s.expired[:0]
	if s.ttl <= 0 || s.clock < s.nextScan {
		return
	}
	for id, sess := range s.sessions {
		if s.clock-sess.lastActive > s.ttl {
			s.sessionsHash -= sessionTerm(id, sess.lastSeq)
			delete(s.sessions, id)
			s.expired = append(s.expired, id)
		}
	}
	slices.Sort(s.expired)
	s.nextScan = s.clock + s.ttl/8
}

// Clock is the sessions' clock: the latest command time the log has
// applied, in nanoseconds, by which sessions idle for longer than the ttl
// expire.
func (s *Store) Clock() int64 { return s.clock }

// Expired are the sessions that the last Apply expired, in id order; the
// slice is reused by the next Apply.
func (s *Store) Expired() []uint64 { return s.expired }
