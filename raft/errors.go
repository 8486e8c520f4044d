package raft

import (
	"errors"
	"strconv"
)

var (
	// ErrNotLeader is returned (wrapped in a *NotLeaderError) by Propose
	// and ReadIndex on a node that is not the leader.
	ErrNotLeader = errors.New("raft: not the leader")

	// ErrInvalidConfig wraps every Config validation failure.
	ErrInvalidConfig = errors.New("raft: invalid config")

	// ErrWrongRecipient: the message is addressed to another node.
	ErrWrongRecipient = errors.New("raft: message addressed to another node")
	// ErrUnknownMessageType: the type is not one this node understands.
	ErrUnknownMessageType = errors.New("raft: unknown message type")
	// ErrMalformedMessage: the message violates its type's shape (for
	// example, MsgApp entries that do not follow prevLogIndex).
	ErrMalformedMessage = errors.New("raft: malformed message")
	// ErrSafetyViolation: the message could only have been produced if
	// Raft's guarantees were already broken elsewhere (two leaders in one
	// term, an append contradicting a committed entry). The message is
	// dropped; the error is for the harness's invariant checker to report.
	ErrSafetyViolation = errors.New("raft: safety violation")
	// ErrCompacted: Compact was asked for an index the log has already
	// compacted.
	ErrCompacted = errors.New("raft: index already compacted")
	// ErrUnavailable: Compact was asked for an index the state machine
	// has not applied.
	ErrUnavailable = errors.New("raft: index not yet applied")
)

// NotLeaderError is returned by Propose and ReadIndex on a follower or
// candidate. Leader is the leader this node currently knows of, or None;
// clients can redirect there.
type NotLeaderError struct {
	Leader uint64
}

func (e *NotLeaderError) Error() string {
	if e.Leader == None {
		return ErrNotLeader.Error() + " (leader unknown)"
	}
	return ErrNotLeader.Error() + " (leader is " + strconv.FormatUint(e.Leader, 10) + ")"
}

// Unwrap makes errors.Is(err, ErrNotLeader) true.
func (e *NotLeaderError) Unwrap() error { return ErrNotLeader }
