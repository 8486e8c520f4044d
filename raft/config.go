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
	// Peers lists the voters, including ID.
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

	// Rand is the only source of randomness: it draws election timeouts.
	// Required; seed it for reproducible runs.
	Rand *rand.Rand

	// HardState, Entries and Applied are the durable state read back
	// after a restart (all zero on first boot). Entries must be the log
	// from index 1, contiguous, with non-decreasing terms no greater than
	// HardState.Term. A HardState.Commit beyond the last entry (a commit
	// record that reached disk while entries did not) is clamped to the
	// last entry: committing is knowledge, and forgetting some is safe.
	HardState HardState
	Entries   []Entry
	// Applied is the last index the caller's state machine has already
	// applied; CommittedEntries in Ready start after it. 0 means the
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
	if !seen[c.ID] {
		return fail("Peers %v does not contain ID %d", c.Peers, c.ID)
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
	var prevTerm uint64
	for i, e := range c.Entries {
		if want := uint64(i + 1); e.Index != want {
			return fail("Entries[%d] has index %d, want %d (the log must be contiguous from 1)", i, e.Index, want)
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
	last := uint64(len(c.Entries))
	if c.Applied > min(hs.Commit, last) {
		return fail("Applied %d is beyond the commit index %d (last durable entry %d)", c.Applied, hs.Commit, last)
	}
	return nil
}
