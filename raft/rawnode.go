package raft

import (
	"fmt"

	"raftcheck/raft/tracker"
)

// RawNode is the caller's handle on one Raft node: a pure state machine with
// no goroutines, no clock and no I/O. The caller drives it with Tick, Step
// and Propose, collects work with Ready, and confirms the work with Advance.
// It is not safe for concurrent use.
type RawNode struct {
	raft *raft
	// prevHardState is the HardState last handed out (or recovered), so
	// Ready carries HardState only when it changed.
	prevHardState HardState
	// outstanding is set from Ready to Advance.
	outstanding bool
}

// NewRawNode starts a node from cfg. On a restart cfg carries the durable
// HardState and log read back from disk; the node resumes as a follower in
// that term, with its vote, log and commit index.
func NewRawNode(cfg Config) (*RawNode, error) {
	r, err := newRaft(&cfg)
	if err != nil {
		return nil, err
	}
	return &RawNode{raft: r, prevHardState: cfg.HardState}, nil
}

// Tick advances the node's logical clock by one tick.
func (rn *RawNode) Tick() {
	rn.raft.tick()
}

// Step delivers a message from the network. It returns an error, and
// changes nothing, for a message not addressed to this node, malformed, or
// one that reveals a safety violation elsewhere. Stale and duplicated
// messages are normal and return nil, and so are vote requests from nodes
// outside the configuration, which are ignored.
func (rn *RawNode) Step(m Message) error {
	if m.To != rn.raft.id {
		return fmt.Errorf("%w: %s reached node %d", ErrWrongRecipient, m, rn.raft.id)
	}
	return rn.raft.Step(m)
}

// Propose appends a command to the log if this node is the leader, and
// returns the index and term it was given. The command is committed once
// an entry with that index and term comes out in CommittedEntries; if a
// different entry comes out at that index, the proposal was lost.
// A follower or candidate returns a *NotLeaderError (errors.Is
// ErrNotLeader) naming the leader it knows of.
func (rn *RawNode) Propose(data []byte) (index, term uint64, err error) {
	return rn.raft.propose(data)
}

// ProposeConfChange appends a configuration change to the log if this
// node is the leader and the change can be made now (membership.go): an
// entry of the leader's term must have committed (ErrConfChangeTooEarly),
// no other change may be pending (ErrConfChangePending), and the change
// must be one the configuration allows (ErrBadConfChange). The change is
// in force on each node from the moment it is in that node's log.
func (rn *RawNode) ProposeConfChange(cc ConfChange) (index, term uint64, err error) {
	return rn.raft.proposeConfChange(cc)
}

// ConfState is the configuration in force on this node: the latest in its
// log, committed or not.
func (rn *RawNode) ConfState() ConfState {
	return rn.raft.config()
}

// TransferLeadership asks the leader to hand its office to voter to
// (transfer.go): it refuses proposals from now on, catches to up and tells
// it to campaign; after an election timeout without a new leader it gives
// up. A learner or a node outside the configuration is refused
// (ErrTransferToNonVoter); a follower returns a *NotLeaderError.
func (rn *RawNode) TransferLeadership(to uint64) error {
	return rn.raft.transferLeadership(to)
}

// ConfIndex is the index of the entry that made ConfState: the latest
// change in the log, or the log's start (the snapshot's index, 0 for the
// initial configuration) if it holds none. ConfState is committed once
// the commit index reaches it.
func (rn *RawNode) ConfIndex() uint64 {
	return rn.raft.lastConfigIndex()
}

// ReadIndex asks the leader for a linearizable read index (thesis §6.4),
// without appending anything to the log. ctx is the caller's id for the
// request. The answer comes out in a later Ready.ReadStates carrying ctx:
// either an Index (serve the read once the state machine has applied it)
// or Lost (this node stopped leading first; retry elsewhere).
//
// Only the leader serves reads; requests are never forwarded. A follower or
// candidate returns a *NotLeaderError (errors.Is ErrNotLeader) naming the
// leader it knows of.
func (rn *RawNode) ReadIndex(ctx uint64) error {
	return rn.raft.readIndex(ctx)
}

// HasReady reports whether Ready would return anything to do. It is false
// while a Ready is handed out and not yet advanced.
func (rn *RawNode) HasReady() bool {
	r := rn.raft
	if rn.outstanding {
		return false
	}
	return r.hardState() != rn.prevHardState || r.log.unstableSnapshot ||
		len(r.msgs) > 0 || len(r.readStates) > 0 || r.log.persisting < r.log.lastIndex() || r.log.hasEntriesToApply()
}

// Ready returns the work accumulated since the last Ready (see Ready for
// what the caller must do, in order). Readys are handed out one at a time:
// each must be confirmed with Advance before the next is taken, and Ready
// panics if it is not, since a second Ready could carry a message (a vote
// granted again on a retransmitted request, say) that depends on the first
// Ready's writes without saying that it must wait for them. Step, Tick,
// Propose and ReadIndex may be called between Ready and Advance; their
// effects go into the next Ready.
func (rn *RawNode) Ready() Ready {
	if rn.outstanding {
		panic("raft: Ready called before the previous Ready was advanced")
	}
	rn.outstanding = true
	r := rn.raft
	rd := Ready{
		Entries:          r.log.unstableEntries(),
		Messages:         r.takeMessages(),
		CommittedEntries: limitBytes(r.log.entriesToApply(), r.maxCommittedPerReady),
		ReadStates:       r.readStates,
	}
	if hs := r.hardState(); hs != rn.prevHardState {
		rd.HardState = hs
		rd.MustSync = hs.Term != rn.prevHardState.Term || hs.Vote != rn.prevHardState.Vote
		rn.prevHardState = hs
	}
	if r.log.unstableSnapshot {
		rd.Snapshot = r.log.snapshot
		r.log.unstableSnapshot = false
	}
	rd.MustSync = rd.MustSync || len(rd.Entries) > 0 || !rd.Snapshot.IsEmpty()

	r.readStates = nil
	r.log.acceptUnstable()
	if n := len(rd.CommittedEntries); n > 0 {
		r.log.acceptApplying(rd.CommittedEntries[n-1].Index)
	}
	return rd
}

// Advance confirms that rd was handled: its HardState and Entries are
// durable, its Messages sent and its CommittedEntries applied.
//
// Confirming the entries durable is what lets a leader count its own log
// towards a quorum (see doc.go); it may queue appends carrying the new
// commit index, and the newly durable committed entries become available to
// apply, both in the next Ready.
//
// Advance takes back the array of rd.Messages for messages to come: a
// caller that keeps a message past Advance keeps a copy of it, as one that
// sends it over a network does.
func (rn *RawNode) Advance(rd Ready) {
	rn.outstanding = false
	r := rn.raft
	r.recycleMessages(rd.Messages)
	if !rd.Snapshot.IsEmpty() {
		r.log.snapshotApplied(rd.Snapshot.Meta.Index)
	}
	if n := len(rd.Entries); n > 0 {
		last := rd.Entries[n-1]
		r.persistedTo(last.Index, last.Term)
	}
	if n := len(rd.CommittedEntries); n > 0 {
		r.log.appliedTo(rd.CommittedEntries[n-1].Index)
	}
}

// Compact takes the caller's snapshot of its state machine after applying
// every entry up to index, and discards the log up to index (§7). data is
// kept, not copied, to send to followers that need the discarded entries:
// it must not be modified afterwards. index must be after the current
// snapshot (ErrCompacted) and applied (ErrUnavailable). The returned
// Snapshot carries the term of the entry at index; the caller persists it
// before it drops its durable copy of the entries (a crash in between
// then loses nothing: the old entries are still on disk).
func (rn *RawNode) Compact(index uint64, data []byte) (Snapshot, error) {
	return rn.raft.compact(index, data)
}

// Snapshot returns the latest snapshot the node holds: taken with Compact,
// installed from a leader, or recovered. Empty if none.
func (rn *RawNode) Snapshot() Snapshot {
	return rn.raft.log.snapshot
}

// Progress calls visit with the replication progress the leader tracks
// for each voter, itself included, in ID order: match is the highest index
// known to be replicated on it, next the next index to send. A node that
// is not the leader tracks none, and visit is not called.
func (rn *RawNode) Progress(visit func(id, match, next uint64)) {
	r := rn.raft
	if r.state != StateLeader {
		return
	}
	r.trk.Visit(func(id uint64, pr *tracker.Progress) { visit(id, pr.Match, pr.Next) })
}

func (rn *RawNode) Status() Status {
	r := rn.raft
	return Status{
		ID:        r.id,
		Term:      r.term,
		Vote:      r.vote,
		Lead:      r.lead,
		State:     r.state,
		Commit:    r.log.committed,
		Applied:   r.log.applied,
		Snapshot:  r.log.offset(),
		LastIndex: r.log.lastIndex(),
		Persisted: r.log.persisted,

		LeadTransferee: r.leadTransferee,
		HandedOver:     r.handedOver,
		Joining:        r.joining,
	}
}

// Entry returns the log entry at index, durable or not, if the log holds
// one there.
func (rn *RawNode) Entry(index uint64) (Entry, bool) {
	return rn.raft.log.entry(index)
}

// Term returns the term of the entry at index: of an entry the log holds,
// or of the last entry the snapshot covers (the log's start), which is
// known though the entry is gone.
func (rn *RawNode) Term(index uint64) (uint64, bool) {
	return rn.raft.log.term(index)
}

// LastIndex returns the index of the last entry in the log (0 if empty).
func (rn *RawNode) LastIndex() uint64 {
	return rn.raft.log.lastIndex()
}
