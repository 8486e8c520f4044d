package invariant

import "raftcheck/raft"

// Semantics are the documented behaviours of a Raft implementation that
// its invariants must judge it by, where implementations legitimately
// differ from the Raft thesis (and from the bundled Raft, which follows
// it). The zero value is the thesis's.
type Semantics struct {
	// ConfOnApply: a configuration takes effect when its entry is
	// applied, not when it is appended (etcd/raft, which allows one
	// pending change only and so stays safe); the thesis uses the latest
	// configuration in the log, committed or not.
	ConfOnApply bool `json:"conf_on_apply,omitempty"`
	// OwnTimers: the system's timers, flow control, rejection hints and
	// leadership transfers are its own. The checks written against the
	// bundled Raft's (the campaign and election-timer checks, leader
	// stickiness, the flow bounds, the hints, the transfer checks, and
	// Next Backs Off On Rejection) are off. What holds for any Raft stays
	// on: the state, log and disk checks, the wire checks that read a
	// message's header (Durable Before Sent, Vote Once, Up-to-date Vote,
	// Truthful Ack) and the leader's progress (Match Earned, Match Only
	// Grows, Stale Response Ignored).
	OwnTimers bool `json:"own_timers,omitempty"`
	// NoRejoinAfterWipe: a node that lost its disk must never come back
	// under its old ID (etcd's rule, which its server enforces by giving
	// every member a fresh ID): the disk-loss faults, which replace a
	// node's disk and add it back as itself, do not apply. etcd/raft
	// itself breaks if they are applied anyway: a late acknowledgement
	// from the node's earlier membership moves the leader's progress for
	// the new one, and the leader sends it a commit index beyond its
	// empty log, on which it panics.
	NoRejoinAfterWipe bool `json:"no_rejoin_after_wipe,omitempty"`
	// CheckQuorumEachTimeout: a leader checks that it heard from a quorum
	// once per election timeout, at its end (etcd's MsgCheckQuorum), so
	// it may lead up to two election timeouts after it last did; the
	// bundled Raft steps down within about one.
	CheckQuorumEachTimeout bool `json:"check_quorum_each_timeout,omitempty"`
	// EntriesBeforeHardState: a Ready's entries are written before its
	// HardState (etcd's WAL saves them so), so a crash between the two
	// leaves entries of a later term than the durable HardState; the
	// system recovers that disk (its term and vote were never acted on:
	// nothing of that Ready was sent), and Recoverable Prefix allows it.
	// The bundled Raft refuses such a log, so its HardState goes first.
	EntriesBeforeHardState bool `json:"entries_before_hard_state,omitempty"`
	// Initial is a snapshot every initial voter starts from, committed
	// by definition (zero: none, the log starts empty). etcd/raft starts
	// from one at index 1 of term 1 holding the initial configuration,
	// as etcd recommends over its Bootstrap.
	Initial raft.SnapshotMeta `json:"initial,omitempty"`
	// ApplyConfChange is the configuration a change makes of the one
	// before it, by the system's rules (nil: raft.ConfState.Apply, the
	// bundled Raft's). An error: the change changes nothing.
	ApplyConfChange func(cs raft.ConfState, cc raft.ConfChange) (raft.ConfState, error) `json:"-"`
}

// SetSemantics tells the checker which semantics the system follows.
// It must be called before any node starts.
func (c *Checker) SetSemantics(s Semantics) {
	c.sem = s
	// The initial snapshot's entries were committed and applied before
	// the run: they are no-ops of its term, which no node ever holds.
	for i := uint64(1); i <= s.Initial.Index; i++ {
		e := raft.Entry{Index: i, Term: s.Initial.Term, Type: raft.EntryNoOp}
		c.committed.push(committedEntry{entry: printOf(e), inTerm: s.Initial.Term, byLeader: true}, c.keep)
		c.applied.push(printOf(e), c.keep)
	}
}
