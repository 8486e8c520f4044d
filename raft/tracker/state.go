package tracker

// StateType is how the leader replicates to one follower.
type StateType uint8

const (
	// StateProbe: the leader does not know where the follower's log stops
	// agreeing with its own. It sends one MsgApp at a time and waits for the
	// answer (or the next heartbeat) before sending another, moving Next
	// back on each rejection until an append is accepted.
	StateProbe StateType = iota
	// StateReplicate: the follower's log is known to match up to Match, so
	// the leader streams entries optimistically, advancing Next as it sends,
	// with at most MaxInflightMsgs appends unacknowledged.
	StateReplicate
	// StateSnapshot: the entries the follower needs next were compacted
	// away, so the leader sends it a snapshot instead (§7), one chunk at a
	// time, and no appends until the follower acknowledges an index at or
	// after the snapshot's.
	StateSnapshot
)

// String returns the state's name.
func (s StateType) String() string {
	switch s {
	case StateProbe:
		return "StateProbe"
	case StateReplicate:
		return "StateReplicate"
	case StateSnapshot:
		return "StateSnapshot"
	default:
		return "StateType(?)"
	}
}
