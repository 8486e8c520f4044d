package invariant

import (
	"fmt"

	"raftcheck/raft"
	"raftcheck/raft/wal"
)

// durableLog is what node's disk would give back if it crashed now: the
// HardState and the term of every entry of its durably written WAL, decoded
// with the same codec the node recovers with. It is kept up to date
// lazily and incrementally: a WAL only grows while the disk's count of
// rewrites stays the same, so each byte is decoded once unless the durable
// file was truncated (a torn tail cut off at restart), when it starts over.
type durableLog struct {
	rewrites uint64
	valid    int // bytes of whole records decoded so far
	hs       raft.HardState
	terms    []uint64 // terms[i-1] is the term of the durable entry at index i
	err      error    // the WAL holds a record the node would refuse
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
}

// catchUp decodes what has become durable since the last call.
// committedTerm is the term of the entry committed at an index, 0 if none
// is known committed there yet.
func (d *durableLog) catchUp(data []byte, rewrites uint64, committedTerm func(uint64) uint64) {
	if rewrites != d.rewrites || len(data) < d.valid {
		*d = durableLog{rewrites: rewrites}
	}
	if d.err != nil || len(data) == d.valid {
		return
	}
	d.valid, d.err = wal.Scan(data, d.valid, func(hs raft.HardState) {
		prev := d.hs
		d.hs = hs
		switch {
		case d.badPrefix != "":
		case hs.Vote != raft.None && hs.Term == 0:
			d.badPrefix = fmt.Sprintf("a HardState with vote %d and term 0 is written: a crash after it recovers a vote of no term", hs.Vote)
		case hs.Term < d.maxTerm:
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
		// the entries before it.
		last := uint64(len(d.terms))
		switch t := committedTerm(hs.Commit); {
		case hs.Commit > last:
			d.badCommit = fmt.Sprintf("a HardState with commit %d is written over a log that ends at %d: a crash before the entries after it are durable recovers a commit index no entry backs", hs.Commit, last)
		case t != 0 && d.terms[hs.Commit-1] != t:
			d.badCommit = fmt.Sprintf("a HardState with commit %d is written over an entry of term %d there, where the committed entry is of term %d: a crash before the entries after it are durable recovers the wrong entry as committed", hs.Commit, d.terms[hs.Commit-1], t)
		}
	}, func(e raft.Entry) error {
		if e.Index == 0 || e.Index > uint64(len(d.terms))+1 {
			// Decode refuses this too; the node will fail at restart.
			return wal.ErrCorrupt
		}
		if d.badPrefix == "" {
			switch prev := d.term(e.Index - 1); {
			case e.Term > d.hs.Term:
				d.badPrefix = fmt.Sprintf("entry %d of term %d is written while the durable HardState is of term %d: a crash right after it recovers a log above its term, which Raft refuses (write a Ready's HardState before its entries)", e.Index, e.Term, d.hs.Term)
			case e.Term < prev:
				d.badPrefix = fmt.Sprintf("entry %d of term %d is written after entry %d of term %d: a crash right after it recovers a log whose terms go back", e.Index, e.Term, e.Index-1, prev)
			}
		}
		d.terms = append(d.terms[:e.Index-1], e.Term)
		// Terms never go back along a good log: the last is the largest.
		d.maxTerm = e.Term
		return nil
	})
}

// term is the term of the durable entry at index, 0 if there is none.
func (d *durableLog) term(index uint64) uint64 {
	if index == 0 || index > uint64(len(d.terms)) {
		return 0
	}
	return d.terms[index-1]
}

// lastIndex is the index of the last durable entry.
func (d *durableLog) lastIndex() uint64 { return uint64(len(d.terms)) }
