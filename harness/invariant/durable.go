package invariant

import (
	"fmt"

	"raftcheck/raft"
	"raftcheck/raft/wal"
)

// durableLog is what node's disk would give back if it crashed now: the
// HardState, the snapshot, and the term of every entry of its durably
// written WAL, decoded with the same codecs the node recovers with. It is
// kept up to date lazily and incrementally: a WAL only grows while the
// disk's count of rewrites stays the same, so each byte is decoded once
// unless the durable files were rewritten (a snapshot taken or installed, a
// torn tail cut off at restart), when it starts over.
type durableLog struct {
	rewrites uint64
	valid    int // bytes of whole WAL records decoded so far
	hs       raft.HardState
	// snap is the durable snapshot file's meta (zero if none); start is
	// the snapshot the WAL's log starts after, and terms[i] the term of
	// the WAL's entry at start.Index+1+i. Writing a snapshot and starting
	// the WAL after it are two steps, so snap may be ahead of start, and
	// then the WAL's entries count only if they follow the snapshot's
	// last entry (wal.State.After).
	snap, start raft.SnapshotMeta
	terms       []uint64
	// committedTerm and coveredTerm are the checker's: the term of the
	// entry committed at an index (0 if none is known committed there
	// yet), and of the one first applied there. Entries a snapshot covers
	// were applied (so committed), and are durable as part of it.
	committedTerm, coveredTerm func(uint64) uint64
	err                        error // the disk holds what the node would refuse
	// badCommit, when set, says how a prefix of the WAL that a crash could
	// leave (every record boundary is one) holds a commit index its own
	// log cannot back (past its last entry, or at an entry that is not
	// the committed one) or one below an earlier record's.
	badCommit string
	// badPrefix, when set, says how a prefix of the WAL that a crash could
	// leave is a state the node's Raft refuses to recover (an entry of a
	// later term than the HardState before it, terms going back along the
	// log, a vote without a term): a crash there leaves a node that cannot
	// restart.
	badPrefix string
	// maxTerm is the largest term of a durable entry.
	maxTerm uint64
	// laterTermsRecover says a log above the HardState's term recovers
	// (Semantics.EntriesBeforeHardState).
	laterTermsRecover bool
}

// catchUp decodes what has become durable since the last call: data is
// the WAL, snapFile the snapshot file (nil if none).
func (d *durableLog) catchUp(data, snapFile []byte, rewrites uint64) {
	if rewrites != d.rewrites || len(data) < d.valid {
		*d = durableLog{rewrites: rewrites, committedTerm: d.committedTerm, coveredTerm: d.coveredTerm, laterTermsRecover: d.laterTermsRecover}
		if snapFile != nil {
			snap, err := wal.DecodeSnapshot(snapFile)
			if err != nil {
				d.err = err
				return
			}
			// The snapshot's term is not a bound on the WAL's records:
			// the WAL may be the one the snapshot was taken from, whose
			// early records were durable long before the snapshot was,
			// and so are no state a crash can leave with it. What a crash
			// now leaves is the snapshot with the whole WAL (checked at
			// the end).
			d.snap = snap.Meta
		}
	}
	if d.err != nil || len(data) == d.valid {
		return
	}
	d.valid, d.err = wal.Scan(data, d.valid, wal.Records{HardState: func(hs raft.HardState) {
		prev := d.hs
		d.hs = hs
		switch {
		case d.badPrefix != "":
		case hs.Vote != raft.None && hs.Term == 0:
			d.badPrefix = fmt.Sprintf("a HardState with vote %d and term 0 is written: a crash after it recovers a vote of no term", hs.Vote)
		case hs.Term < d.maxTerm && !d.laterTermsRecover:
			d.badPrefix = fmt.Sprintf("a HardState of term %d is written over entries of term %d: a crash after it recovers a log above its term, which Raft refuses", hs.Term, d.maxTerm)
		}
		if d.badCommit != "" {
			return
		}
		if hs.Commit < prev.Commit {
			// A commit index only grows (Figure 2), and a node recovers
			// the durable one: a lower one written after it is a commit
			// a crash now forgets.
			d.badCommit = fmt.Sprintf("a HardState with commit %d is written after a durable one with commit %d: a crash now recovers a commit index that went back", hs.Commit, prev.Commit)
			return
		}
		if hs.Commit == 0 {
			return
		}
		// A crash right after this record leaves this HardState over
		// the entries before it (and a commit the snapshot covers is
		// backed by it).
		last := d.lastIndex()
		switch t := d.committedTerm(hs.Commit); {
		case hs.Commit <= d.coveredIndex():
		case hs.Commit > last:
			d.badCommit = fmt.Sprintf("a HardState with commit %d is written over a log that ends at %d: a crash before the entries after it are durable recovers a commit index no entry backs", hs.Commit, last)
		case t != 0 && d.term(hs.Commit) != t:
			d.badCommit = fmt.Sprintf("a HardState with commit %d is written over an entry of term %d there, where the committed entry is of term %d: a crash before the entries after it are durable recovers the wrong entry as committed", hs.Commit, d.term(hs.Commit), t)
		}
	}, Start: func(meta raft.SnapshotMeta) error {
		if meta.Index > d.snap.Index || (meta.Index == d.snap.Index && meta.Term != d.snap.Term) {
			// The node wrote a WAL that starts after a snapshot it
			// has not made durable first: a crash now leaves a log
			// whose beginning is nowhere.
			return fmt.Errorf("%w: the WAL starts after snapshot %d/t%d, but the durable snapshot is %d/t%d", wal.ErrCorrupt, meta.Index, meta.Term, d.snap.Index, d.snap.Term)
		}
		d.start, d.terms = meta, nil
		d.maxTerm = meta.Term
		return nil
	}, Entry: func(e raft.Entry) error {
		if e.Index <= d.start.Index || e.Index > d.start.Index+uint64(len(d.terms))+1 {
			// Decode refuses this too; the node will fail at restart.
			return wal.ErrCorrupt
		}
		if d.badPrefix == "" {
			switch prev := d.walTerm(e.Index - 1); {
			case e.Term > d.hs.Term && !d.laterTermsRecover:
				d.badPrefix = fmt.Sprintf("entry %d of term %d is written while the durable HardState is of term %d: a crash right after it recovers a log above its term, which Raft refuses (write a Ready's HardState before its entries)", e.Index, e.Term, d.hs.Term)
			case e.Term < prev:
				d.badPrefix = fmt.Sprintf("entry %d of term %d is written after entry %d of term %d: a crash right after it recovers a log whose terms go back", e.Index, e.Term, e.Index-1, prev)
			}
		}
		d.terms = append(d.terms[:e.Index-d.start.Index-1], e.Term)
		// Terms never go back along a good log: the last is the largest.
		d.maxTerm = e.Term
		return nil
	}})
	if d.err == nil && d.badPrefix == "" && d.snap.Term > d.hs.Term {
		d.badPrefix = fmt.Sprintf("the durable snapshot %d/t%d is of a later term than the durable HardState's %d: a crash now recovers a snapshot above its term, which Raft refuses (write a Ready's HardState before its snapshot)", d.snap.Index, d.snap.Term, d.hs.Term)
	}
}

// walTerm is the term of the WAL's entry at index (its start's term at the
// start), 0 if it holds none there.
func (d *durableLog) walTerm(index uint64) uint64 {
	switch {
	case index == d.start.Index:
		return d.start.Term
	case index < d.start.Index || index > d.start.Index+uint64(len(d.terms)):
		return 0
	}
	return d.terms[index-d.start.Index-1]
}

// walCounts reports whether the WAL's entries after the snapshot are
// what a restart recovers: they follow the snapshot's last entry.
func (d *durableLog) walCounts() bool {
	return d.snap.Index == d.start.Index || d.walTerm(d.snap.Index) == d.snap.Term
}

// coveredIndex is the last index the durable snapshot stands for.
func (d *durableLog) coveredIndex() uint64 { return d.snap.Index }

// term is the term of the durable entry at index as a restart would
// recover it, 0 if there is none: from the snapshot for the entries it
// covers (committed ones, whose term the checker knows), from the WAL
// after it.
func (d *durableLog) term(index uint64) uint64 {
	switch {
	case index == 0:
		return 0
	case index == d.snap.Index:
		return d.snap.Term
	case index < d.snap.Index:
		return d.coveredTerm(index)
	case !d.walCounts():
		return 0
	}
	return d.walTerm(index)
}

// lastIndex is the index of the last durable entry.
func (d *durableLog) lastIndex() uint64 {
	if !d.walCounts() {
		return d.snap.Index
	}
	return max(d.snap.Index, d.start.Index+uint64(len(d.terms)))
}
