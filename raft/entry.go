package raft

import "strconv"

// EntryType says what an entry carries.
type EntryType uint8

const (
	// EntryNormal carries a command for the caller's state machine.
	EntryNormal EntryType = iota
	// EntryNoOp is the empty entry a new leader appends at the start of its
	// term. Committing it commits everything before it (§5.4.2, §8) and
	// tells the leader its commit index is up to date.
	EntryNoOp
	// EntryConfChange carries a ConfChange (membership.go): it takes
	// effect on a node as soon as it is in the node's log.
	EntryConfChange
)

// String returns the type's short name.
func (t EntryType) String() string {
	switch t {
	case EntryNormal:
		return "normal"
	case EntryNoOp:
		return "noop"
	case EntryConfChange:
		return "conf"
	default:
		return "EntryType(" + strconv.Itoa(int(t)) + ")"
	}
}

// Entry is one slot of the replicated log.
//
// Entries are immutable once created: the log, Ready and in-flight messages
// share them (and their Data) without copying.
type Entry struct {
	Term  uint64
	Index uint64
	Type  EntryType
	Data  []byte
}

// String renders an entry as "i7/t2" followed by ":noop" for no-ops and the
// data length for normal entries with data, e.g. "i8/t2:5B".
func (e Entry) String() string {
	s := "i" + strconv.FormatUint(e.Index, 10) + "/t" + strconv.FormatUint(e.Term, 10)
	switch {
	case e.Type != EntryNormal:
		s += ":" + e.Type.String()
	case len(e.Data) > 0:
		s += ":" + strconv.Itoa(len(e.Data)) + "B"
	}
	return s
}

// HardState is the part of a node's state that must survive a crash
// (Figure 2, "persistent state on all servers"): the current term and the
// vote cast in it, so a restarted node can never vote twice in one term,
// and the commit index, so a restarted node need not relearn it (the paper
// keeps commitIndex volatile; storing it is an optimisation and safe because
// committed entries never change).
type HardState struct {
	Term   uint64
	Vote   uint64
	Commit uint64
}

// IsEmpty reports whether hs is the zero HardState.
func (hs HardState) IsEmpty() bool { return hs == HardState{} }

// None is the zero node ID: no vote, no known leader.
const None uint64 = 0
