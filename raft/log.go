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
	// those of the entry just before the first one kept. Until log
	// compaction (§7) exists the sentinel is 0/0 and the log starts at 1;
	// a snapshot will move the sentinel to the snapshot's last index and
	// term, and nothing else here needs to change.
	entries []Entry

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

// newRaftLog builds the log recovered from durable storage: entries
// (contiguous from 1, already validated), the durable commit index (clamped
// to the last entry) and the caller's applied index.
func newRaftLog(durable []Entry, commit, applied uint64) *raftLog {
	entries := make([]Entry, 1, len(durable)+1)
	entries = append(entries, durable...)
	l := &raftLog{entries: entries}
	last := l.lastIndex()
	l.persisting, l.persisted = last, last
	l.committed = min(commit, last)
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
// there. err is non-nil, and nothing changes, if the append would delete a
// committed entry — impossible unless safety was already lost elsewhere.
func (l *raftLog) maybeAppend(prevIndex, prevTerm, leaderCommit uint64, ents []Entry) (lastNew uint64, ok bool, err error) {
	if !l.matchTerm(prevIndex, prevTerm) {
		return 0, false, nil
	}
	lastNew = prevIndex + uint64(len(ents))
	if ci := l.findConflict(ents); ci != 0 {
		if ci <= l.committed {
			return 0, false, fmt.Errorf("%w: entry %d conflicts with committed index %d", ErrSafetyViolation, ci, l.committed)
		}
		l.truncateAndAppend(ents[ci-ents[0].Index:])
	}
	l.commitTo(min(leaderCommit, lastNew))
	return lastNew, true, nil
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
