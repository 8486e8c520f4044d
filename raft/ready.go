package raft

// Ready is a batch of work the caller must do, in this order:
//
//  1. Persist HardState (if not empty), then Snapshot (if not empty),
//     then Entries, durably (fsync when MustSync). A Snapshot replaces the
//     whole durable log: it covers every entry up to its index, and the
//     log after it starts empty. If Entries[0].Index is at or below the
//     last index already in the durable log, first delete the durable
//     entries from Entries[0].Index on: a new leader overwrote them.
//  2. Only then send Messages. They may promise what step 1 wrote (a vote,
//     an acknowledged append, an installed snapshot), so they must not
//     leave before it is durable.
//  3. Load Snapshot (if not empty) into the state machine, replacing its
//     state; then apply CommittedEntries, which follow it, in order.
//  4. Answer ReadStates: serve each confirmed read once the state machine
//     has applied its Index (possibly in a later cycle); retry each Lost
//     one elsewhere.
//  5. Call Advance(rd) with this same Ready.
//
// Entries and CommittedEntries share memory with the node's log and with
// messages: treat them as read-only.
type Ready struct {
	// HardState is non-empty only if it changed since the last Ready.
	HardState HardState
	// Snapshot is a snapshot received from the leader, non-empty only
	// when this node installs one (thesis Figure 13, step 7): persist it
	// and load it into the state machine (steps 1 and 3).
	Snapshot Snapshot
	// Entries are to be appended to the durable log (see step 1).
	Entries []Entry
	// MustSync is true if HardState.Term or Vote changed, or Snapshot or
	// Entries is non-empty: the writes must be fsynced before Messages are
	// sent. A
	// change of Commit alone need not be synced (losing it only loses
	// knowledge a node can relearn).
	MustSync bool
	// Messages go out only after HardState and Entries are durable.
	Messages []Message
	// CommittedEntries are committed and already durable locally (from
	// earlier Readys): apply them in order.
	CommittedEntries []Entry
	// ReadStates are the outcomes of ReadIndex requests, confirmed ones in
	// the order they were registered. They promise nothing about durable
	// state, so they need not wait for step 1.
	ReadStates []ReadState
}

// containsUpdates reports whether rd asks the caller to do anything.
func (rd *Ready) containsUpdates() bool {
	return !rd.HardState.IsEmpty() || !rd.Snapshot.IsEmpty() || len(rd.Entries) > 0 || len(rd.Messages) > 0 ||
		len(rd.CommittedEntries) > 0 || len(rd.ReadStates) > 0
}
