package raft

import (
	"fmt"
	"math/rand/v2"
)

// Config is everything a node needs to start: its identity, the cluster,
// timing, features, its source of randomness, and the durable state it
// recovered from disk.
type Config struct {
	// ID identifies this node; it must not be None (0).
	ID uint64
	// Peers lists the voters of the initial configuration, the one in
	// force before the first entry; every node of a cluster is given the
	// same. A node outside it waits to be added by a configuration
	// change. After a snapshot, the snapshot's configuration replaces it.
	Peers []uint64

	// ElectionTick is the base election timeout in ticks. A follower or
	// candidate that hears nothing for a randomized timeout drawn from
	// [ElectionTick, 2*ElectionTick) starts an election (§5.2). It must be
	// greater than HeartbeatTick, or followers would time out between
	// heartbeats of a healthy leader.
	ElectionTick int
	// HeartbeatTick is how many ticks a leader waits between heartbeats.
	HeartbeatTick int

	// PreVote makes a node ask for pre-votes before incrementing its term
	// (thesis §9.6), so a partitioned node cannot force a term change on a
	// healthy cluster when it comes back.
	PreVote bool
	// CheckQuorum makes a leader step down when it has not heard from a
	// majority for an election timeout, and makes followers ignore vote
	// requests while they hear from a leader (a leader lease).
	CheckQuorum bool

	// MaxInflightMsgs bounds the unacknowledged MsgApp per follower in
	// pipelined replication.
	MaxInflightMsgs int
	// MaxEntriesPerMsg bounds the entries carried by one MsgApp.
	MaxEntriesPerMsg int
	// MaxMsgBytes, MaxUncommittedBytes and MaxCommittedBytesPerReady are
	// flow control's bounds, in bytes of entry payload (flow.go); 0 is no
	// bound.
	MaxMsgBytes               uint64
	MaxUncommittedBytes       uint64
	MaxCommittedBytesPerReady uint64
	// MaxSnapshotChunk bounds the snapshot bytes carried by one MsgSnap;
	// a larger snapshot goes in several chunks, one in flight at a time.
	MaxSnapshotChunk int

	// Rand is the only source of randomness: it draws election timeouts.
	// Required; seed it for reproducible runs.
	Rand *rand.Rand

	// HardState, Snapshot, Entries and Applied are the durable state
	// read back after a restart (all zero on first boot). Snapshot is the
	// latest snapshot on disk (empty if none) and Entries the log after
	// it: contiguous from Snapshot.Meta.Index+1, with non-decreasing terms
	// from the snapshot's term, none greater than HardState.Term. A
	// HardState.Commit beyond the last entry (a commit record that reached
	// disk while entries did not) is clamped to the last entry: committing
	// is knowledge, and forgetting some is safe.
	HardState HardState
	Snapshot  Snapshot
	Entries   []Entry
	// Joining says the node lost its state (its disk was replaced) and
	// comes back with the identity it had: until a leader has brought its
	// log up to that leader's commit index, it neither votes nor
	// campaigns. A node that votes with an empty log would let a
	// candidate whose log is stale, in a configuration that still counts
	// it, be elected without entries a majority committed.
	Joining bool
	// Applied is the last index the caller's state machine has already
	// applied; CommittedEntries in Ready start after it. A caller that
	// loaded Snapshot into its state machine has applied at least its
	// index, and Applied is raised to it. 0 with no snapshot means the
	// caller re-applies from the start.
	Applied uint64
}

// validate rejects configurations that cannot work, naming the field.
func (c *Config) validate() error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...)
	}
	if c.ID == None {
		return fail("ID must not be 0")
	}
	if len(c.Peers) == 0 {
		return fail("Peers is empty")
	}
	seen := make(map[uint64]bool, len(c.Peers))
	for _, p := range c.Peers {
		if p == None {
			return fail("Peers contains 0")
		}
		if seen[p] {
			return fail("Peers contains %d twice", p)
		}
		seen[p] = true
	}
	if c.HeartbeatTick <= 0 {
		return fail("HeartbeatTick must be > 0, got %d", c.HeartbeatTick)
	}
	if c.ElectionTick <= c.HeartbeatTick {
		return fail("ElectionTick (%d) must be greater than HeartbeatTick (%d)", c.ElectionTick, c.HeartbeatTick)
	}
	if c.MaxInflightMsgs <= 0 {
		return fail("MaxInflightMsgs must be > 0, got %d", c.MaxInflightMsgs)
	}
	if c.MaxEntriesPerMsg <= 0 {
		return fail("MaxEntriesPerMsg must be > 0, got %d", c.MaxEntriesPerMsg)
	}
	if c.MaxSnapshotChunk <= 0 {
		return fail("MaxSnapshotChunk must be > 0, got %d", c.MaxSnapshotChunk)
	}
	if c.Rand == nil {
		return fail("Rand is nil (a seeded *rand.Rand is required)")
	}
	return c.validateDurableState()
}

func (c *Config) validateDurableState() error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...)
	}
	hs := c.HardState
	if hs.Vote != None && hs.Term == 0 {
		return fail("HardState has Vote %d but Term 0", hs.Vote)
	}
	snap := c.Snapshot.Meta
	if (snap.Index == 0) != (snap.Term == 0) {
		return fail("Snapshot has index %d and term %d: both or neither must be 0", snap.Index, snap.Term)
	}
	if snap.Term > hs.Term {
		return fail("Snapshot has term %d, above HardState.Term %d", snap.Term, hs.Term)
	}
	prevTerm := snap.Term
	for i, e := range c.Entries {
		if want := snap.Index + uint64(i+1); e.Index != want {
			return fail("Entries[%d] has index %d, want %d (the log must be contiguous from the snapshot's index %d+1)", i, e.Index, want, snap.Index)
		}
		if e.Term == 0 {
			return fail("entry %d has term 0", e.Index)
		}
		if e.Term < prevTerm {
			return fail("entry %d has term %d, lower than the previous entry's %d", e.Index, e.Term, prevTerm)
		}
		if e.Term > hs.Term {
			return fail("entry %d has term %d, above HardState.Term %d", e.Index, e.Term, hs.Term)
		}
		prevTerm = e.Term
	}
	last := snap.Index + uint64(len(c.Entries))
	if c.Applied > max(min(hs.Commit, last), snap.Index) {
		return fail("Applied %d is beyond the commit index %d (last durable entry %d)", c.Applied, hs.Commit, last)
	}
	return nil
}
