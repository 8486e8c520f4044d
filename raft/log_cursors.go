package raft

// This file holds the log's cursors: how far entries are committed, handed
// to the caller for persistence, durable, handed out to apply, and applied.
// They move only forward, except persisting/persisted, which a truncation of
// not-yet-committed entries pulls back (log.go).

// commitTo raises the commit index. It never lowers it (committed entries
// stay committed) and never passes the last entry.
func (l *raftLog) commitTo(i uint64) {
	if i > l.committed {
		l.committed = min(i, l.lastIndex())
	}
}

// unstableEntries returns the entries not yet handed to the caller for
// persistence.
func (l *raftLog) unstableEntries() []Entry {
	return l.slice(l.persisting+1, l.lastIndex()+1)
}

// acceptUnstable records that every entry has been handed out in a Ready.
func (l *raftLog) acceptUnstable() {
	l.persisting = l.lastIndex()
}

// stableTo records that the caller made entries up to index i, of term t,
// durable. If the log changed since the Ready (the entry at i was
// truncated and replaced), the confirmation is about entries we no longer
// hold and is ignored; the replacements are handed out again.
func (l *raftLog) stableTo(i, t uint64) bool {
	if i <= l.persisted || i > l.persisting || !l.matchTerm(i, t) {
		return false
	}
	l.persisted = i
	return true
}

// applyLimit is the highest index that may be handed out to apply: committed
// and already durable locally, so that a state machine never applies an
// entry this node could lose in a crash.
//
// While a restored snapshot waits to be handed to the caller, nothing is:
// the caller's state machine is not yet at the snapshot, so no entry after
// it can be applied.
func (l *raftLog) applyLimit() uint64 {
	if l.unstableSnapshot {
		return l.applying
	}
	return min(l.committed, l.persisted)
}

// hasEntriesToApply reports whether committedEntriesToApply is non-empty.
func (l *raftLog) hasEntriesToApply() bool {
	return l.applying < l.applyLimit()
}

// entriesToApply returns the committed, durable entries not yet handed
// out to apply, in order.
func (l *raftLog) entriesToApply() []Entry {
	return l.slice(l.applying+1, l.applyLimit()+1)
}

// acceptApplying records that entries up to i were handed out to apply.
func (l *raftLog) acceptApplying(i uint64) {
	l.applying = max(l.applying, i)
}

// appliedTo records that the caller applied entries up to i.
func (l *raftLog) appliedTo(i uint64) {
	if i > l.applied && i <= l.applying {
		l.applied = i
	}
}

// snapshotApplied records that the caller persisted the snapshot of index
// i handed out in a Ready and loaded it into its state machine: applied
// moves to i. That holds too of a snapshot that a later restore has
// replaced meanwhile: the caller's state machine did reach i, and the
// later snapshot is still to come (applying already covers it).
func (l *raftLog) snapshotApplied(i uint64) {
	if i <= l.applying {
		l.applied = max(l.applied, i)
	}
}
