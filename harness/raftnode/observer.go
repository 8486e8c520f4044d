package raftnode

import "raftcheck/raft"

// View is what an Observer may see of a node: its identity, its Raft state,
// its log, and what its state machine has applied. *Node is one; tests of
// observers use their own.
type View interface {
	ID() uint64
	Name() string
	Status() raft.Status
	Entry(index uint64) (raft.Entry, bool)
	// Term is the term of the entry at index in its log, the last entry
	// its snapshot covers included (whose entry is gone).
	Term(index uint64) (uint64, bool)
	// AppliedIndex is the index of the last entry this incarnation applied.
	AppliedIndex() uint64
	// ConfState is the configuration in force: the latest in its log
	// (raft.RawNode.ConfState); SnapshotConf the configuration its
	// snapshot carries (zero without one).
	ConfState() raft.ConfState
	SnapshotConf() raft.ConfState
	// Progress visits the match index a leader tracks for each voter
	// (raft.RawNode.Progress; another system's learners too, where it
	// keeps their progress); nothing unless it leads.
	Progress(visit func(id, match, next uint64))
}

// Observer watches a node from inside: it is told when an incarnation
// starts, when entries enter its log, when entries are applied, and after
// every activation. An error it returns stops the run. The invariant
// checker (package harness/invariant) is one.
type Observer interface {
	// Started is called once an incarnation has recovered from its WAL.
	Started(n View) error
	// Appending is called when n's Raft hands entries over to be written
	// to the WAL: they are in n's log, after an entry of term prevTerm (0
	// for the start of the log).
	Appending(n View, prevTerm uint64, entries []raft.Entry) error
	// Applied is called when n applies committed entries, in order.
	Applied(n View, entries []raft.Entry) error
	// Compacted is called when n took a snapshot of its state machine
	// at snap and discarded the log up to it.
	Compacted(n View, snap raft.SnapshotMeta) error
	// Restored is called when n installs a snapshot a leader sent: its
	// state machine now stands at snap, and its log starts after it.
	Restored(n View, snap raft.SnapshotMeta) error
	// Ticking is called just before n's Raft is told of a tick of its
	// clock.
	Ticking(n View) error
	// Stepped is called after n handled a message, a tick, a proposal or
	// an fsync completion; not after a tick that left nothing to write,
	// send or apply and changed nothing in n's status (Ticking still
	// saw it), which is most of a follower's ticks.
	Stepped(n View) error
}
