package raft

import "fmt"

// raftLog is a node's log: its entries plus the cursors that say how far
// they are committed, durable and applied (log_cursors.go).
//
// All entries are held in memory. The durable copy is the caller's: it
// receives new entries through Ready and confirms them with Advance.
//
// Invariants (checked by tests, relied on everywhere):
//
//	entries[i].Index == offset()+i, terms never decrease along the log
//	applied <= applying <= committed <= lastIndex()
//	persisted <= persisting <= lastIndex()
//	applying <= persisted (only durable entries are handed out to apply)
type raftLog struct {
	// entries[0] is a sentinel, not a real entry: its Index and Term are
	// those of the entry just before the first one kept, the last entry
	// the snapshot covers (0/0 before any snapshot, when the log starts
	// at 1). Compaction (§7) moves the sentinel forward.
	entries []Entry

	// snapshot is the latest snapshot this node holds: taken by its
	// caller (compact), installed from a leader (restore), or recovered.
	// Its index is the sentinel's, or after it while the caller keeps
	// entries the snapshot covers (never: compaction cuts exactly at the
	// snapshot). Empty before any.
	snapshot Snapshot
	// unstableSnapshot is set from restore until a Ready hands the
	// snapshot to the caller to persist and load into its state machine.
	unstableSnapshot bool

	// committed is the highest index known to be committed (§5.3
	// commitIndex).
	committed uint64
	// persisting is the last index handed to the caller in a Ready whose
	// Advance has not come back yet; entries after it are not yet handed
	// out ("unstable").
	persisting uint64
	// persisted is the last index the caller confirmed durable (Advance).
	persisted uint64
	// applying is the last index handed out in Ready.CommittedEntries.
	applying uint64
	// applied is the last index the caller confirmed applied (§5.3
	// lastApplied).
	applied uint64
}

// newRaftLog builds the log recovered from durable storage: the snapshot
// (empty if none), the entries after it (contiguous, already validated),
// the durable commit index (clamped to the last entry) and the caller's
// applied index. A snapshot is committed and, being loaded into the
// caller's state machine, applied: both cursors start at least at it.
func newRaftLog(snap Snapshot, durable []Entry, commit, applied uint64) *raftLog {
	entries := make([]Entry, 1, len(durable)+1)
	entries[0] = Entry{Index: snap.Meta.Index, Term: snap.Meta.Term}
	entries = append(entries, durable...)
	l := &raftLog{entries: entries, snapshot: snap}
	last := l.lastIndex()
	l.persisting, l.persisted = last, last
	l.committed = max(min(commit, last), snap.Meta.Index)
	applied = max(applied, snap.Meta.Index)
	l.applying, l.applied = applied, applied
	return l
}

// offset is the index of the sentinel; real entries start at offset()+1.
func (l *raftLog) offset() uint64 { return l.entries[0].Index }

func (l *raftLog) firstIndex() uint64 { return l.offset() + 1 }

func (l *raftLog) lastIndex() uint64 { return l.offset() + uint64(len(l.entries)) - 1 }

func (l *raftLog) lastTerm() uint64 { return l.entries[len(l.entries)-1].Term }

// term returns the term of the entry at index i. The sentinel's index is
// answerable (its term is known); indexes before it (compacted) or after the
// last entry are not.
func (l *raftLog) term(i uint64) (uint64, bool) {
	if i < l.offset() || i > l.lastIndex() {
		return 0, false
	}
	return l.entries[i-l.offset()].Term, true
}

// matchTerm reports whether the log has an entry at index i with term t.
// By the Log Matching Property (§5.3) this means the logs agree on every
// entry up to i.
func (l *raftLog) matchTerm(i, t uint64) bool {
	lt, ok := l.term(i)
	return ok && lt == t
}

// entry returns the real entry at index i.
func (l *raftLog) entry(i uint64) (Entry, bool) {
	if i < l.firstIndex() || i > l.lastIndex() {
		return Entry{}, false
	}
	return l.entries[i-l.offset()], true
}

// slice returns the entries with indexes in [lo, hi), clamped to the log.
// The result shares the log's entries but has its capacity cut, so a caller
// appending to it can never write into the log.
func (l *raftLog) slice(lo, hi uint64) []Entry {
	lo = max(lo, l.firstIndex())
	hi = min(hi, l.lastIndex()+1)
	if lo >= hi {
		return nil
	}
	from, to := lo-l.offset(), hi-l.offset()
	return l.entries[from:to:to]
}

// isUpToDate reports whether a log ending at (lastIndex, lastTerm) is at
// least as up-to-date as this one (§5.4.1): the later last term wins; with
// equal last terms, the longer log wins.
func (l *raftLog) isUpToDate(lastIndex, lastTerm uint64) bool {
	return lastTerm > l.lastTerm() || (lastTerm == l.lastTerm() && lastIndex >= l.lastIndex())
}

// appendNew appends entries that directly follow the last one (a leader
// extending its own log; a leader never overwrites its log, §5.3 "Leader
// Append-Only").
func (l *raftLog) appendNew(ents ...Entry) {
	if len(ents) == 0 {
		return
	}
	if ents[0].Index != l.lastIndex()+1 {
		panic(fmt.Sprintf("raft: appending entry %d after last index %d", ents[0].Index, l.lastIndex()))
	}
	l.entries = append(l.entries, ents...)
}

// maybeAppend is the receiving half of AppendEntries (Figure 2):
//
//  1. if the log has no entry at prevIndex with prevTerm, reply false
//     (rule 2); ok is false.
//  2. otherwise find the first new entry that conflicts with an existing
//     one (same index, different term), delete the existing entry and all
//     that follow it (rule 3), and append the new entries not already in
//     the log (rule 4). Entries that match are left alone, so a stale,
//     duplicated or reordered append never truncates anything it agrees
//     with.
//  3. set commit to min(leaderCommit, index of the last new entry) (rule
//     5). "Last new entry" is the last one this message verified,
//     prevIndex+len(ents), not the end of our log: entries beyond it were
//     not checked against the leader and may belong to a deposed leader.
//
// lastNew is prevIndex+len(ents): the log now agrees with the leader up to
// there; written is the first index the append wrote (0 if the log held
// every entry already). err is non-nil, and nothing changes, if the append would delete a
// committed entry — impossible unless safety was already lost elsewhere.
func (l *raftLog) maybeAppend(prevIndex, prevTerm, leaderCommit uint64, ents []Entry) (lastNew, written uint64, ok bool, err error) {
	if !l.matchTerm(prevIndex, prevTerm) {
		return 0, 0, false, nil
	}
	lastNew = prevIndex + uint64(len(ents))
	if ci := l.findConflict(ents); ci != 0 {
		if ci <= l.committed {
			return 0, 0, false, fmt.Errorf("%w: entry %d conflicts with committed index %d", ErrSafetyViolation, ci, l.committed)
		}
		l.truncateAndAppend(ents[ci-ents[0].Index:])
		written = ci
	}
	l.commitTo(min(leaderCommit, lastNew))
	return lastNew, written, true, nil
}

// findConflict returns the index of the first entry in ents that is not in
// the log with the same term — either a conflict or simply new — or 0 if
// the log already holds them all.
func (l *raftLog) findConflict(ents []Entry) uint64 {
	for _, e := range ents {
		if !l.matchTerm(e.Index, e.Term) {
			return e.Index
		}
	}
	return 0
}

// truncateAndAppend deletes every entry from ents[0].Index on and appends
// ents. Truncation copies into a fresh array: earlier Ready and message
// slices still point at the old one and must not see it change.
func (l *raftLog) truncateAndAppend(ents []Entry) {
	first := ents[0].Index
	if first == l.lastIndex()+1 {
		l.entries = append(l.entries, ents...)
		return
	}
	keep := first - l.offset() // entries[:keep] are the ones before first
	fresh := make([]Entry, keep, int(keep)+len(ents))
	copy(fresh, l.entries[:keep])
	l.entries = append(fresh, ents...)
	// Whatever was durable or in flight from first on is gone: the caller
	// will be handed the new entries and told to truncate (Ready.Entries).
	l.persisting = min(l.persisting, first-1)
	l.persisted = min(l.persisted, first-1)
}

// compact discards the entries up to and including snap's index, which
// the caller's snapshot snap now stands for, and keeps snap to send to
// followers that need what was discarded. The caller guarantees the
// snapshot is of applied state (index <= applied), so the entries it
// replaces are committed and durable. The kept entries move to a fresh
// array: earlier Readys and messages may still hold the old one, and the
// old one's memory is what compaction is for.
func (l *raftLog) compact(snap Snapshot) {
	i := snap.Meta.Index
	kept := l.entries[i-l.offset():]
	fresh := make([]Entry, len(kept))
	copy(fresh, kept)
	fresh[0] = Entry{Index: i, Term: snap.Meta.Term} // the new sentinel
	l.entries = fresh
	l.snapshot = snap
}

// restore replaces the whole log with snap (thesis Figure 13, step 7:
// discard the entire log): the sentinel moves to the snapshot's last
// entry, everything up to it is committed, and nothing is left to persist
// or apply below it. The caller learns of the snapshot from the next
// Ready, and must persist it and load it into its state machine before it
// persists anything that follows (the Ready contract). Entries handed out
// earlier and confirmed only after this are about a log we no longer hold
// (stableTo ignores them: they are at or below persisting, or not ours).
func (l *raftLog) restore(snap Snapshot) {
	i := snap.Meta.Index
	l.entries = []Entry{{Index: i, Term: snap.Meta.Term}}
	l.snapshot = snap
	l.unstableSnapshot = true
	l.committed = i
	// The snapshot stands for durable, applied state once its Ready is
	// advanced; until then applyLimit holds everything back.
	l.persisting, l.persisted = i, i
	l.applying = max(l.applying, i)
}

// findConflictByTerm returns the largest index <= index whose term is <=
// term, with that term. It is how both sides of a rejected append skip a
// whole run of entries at once (fast backtracking):
//
// A follower rejecting prevIndex/prevTerm knows the leader's entries up to
// prevIndex all have terms <= prevTerm. Any of its own entries there with a
// larger term cannot match, so the highest place the logs could agree is the
// last entry with term <= prevTerm. The leader applies the same reasoning
// with the follower's term at that hint. Each round trip skips at least one
// term on one side instead of one index.
//
// index is clamped to the last index. The search stops at the sentinel
// (whose term is known) even if its term is larger.
func (l *raftLog) findConflictByTerm(index, term uint64) (uint64, uint64) {
	index = min(index, l.lastIndex())
	for {
		t, ok := l.term(index)
		if !ok || t <= term || index == l.offset() {
			return index, t
		}
		index--
	}
}
