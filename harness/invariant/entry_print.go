package invariant

import (
	"hash/fnv"
	"strconv"

	"raftcheck/raft"
)

// entryPrint is what the checker keeps of an entry it has seen committed,
// applied or appended: enough to tell whether another entry at the same
// index is the same one, without holding the entry's data. Keeping the
// data made the checker's memory grow with every byte a run proposed, and
// kept the Raft logs' data alive after their snapshots compacted them
// (issue 16). Two entries with the same index, term, type and size whose
// data differ are told apart unless their 64-bit FNV-1a hashes collide.
//
// The index is where the print is kept (a position, or a map key), so it
// is not in the print.
type entryPrint struct {
	term uint64
	sum  uint64
	size uint32
	typ  raft.EntryType
}

func printOf(e raft.Entry) entryPrint {
	return entryPrint{term: e.Term, sum: dataSum(e.Data), size: uint32(len(e.Data)), typ: e.Type}
}

func dataSum(b []byte) uint64 {
	h := fnv.New64a()
	h.Write(b) // a hash never fails to write
	return h.Sum64()
}

// same reports whether e is the entry p was taken of (at e's index).
func (p entryPrint) same(e raft.Entry) bool {
	return p.term == e.Term && p.typ == e.Type && p.size == uint32(len(e.Data)) && p.sum == dataSum(e.Data)
}

// entry is the entry p was taken of, at index, without its data: for
// messages, which show an entry as raft.Entry.String does.
func (p entryPrint) at(index uint64) string {
	s := "i" + strconv.FormatUint(index, 10) + "/t" + strconv.FormatUint(p.term, 10)
	switch {
	case p.typ != raft.EntryNormal:
		s += ":" + p.typ.String()
	case p.size > 0:
		s += ":" + strconv.FormatUint(uint64(p.size), 10) + "B"
	}
	return s
}
