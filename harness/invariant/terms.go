package invariant

import "raftcheck/harness/raftnode"

// The terms the checks read: of an entry in a node's log (or the last one
// its snapshot covers), and of the entries the whole cluster committed and
// applied.

// termAt is the term of n's entry at index: 0 for index 0, the start of
// every log; the node's own for an entry its log holds and for the last
// one its snapshot covers (checked against what was applied there when the
// snapshot was taken, installed or recovered: snapshot.go). An entry
// further inside the snapshot was applied, and its term is the term
// applied there.
func (c *Checker) termAt(n raftnode.View, index uint64) (uint64, bool) {
	if index == 0 {
		return 0, true
	}
	if t, ok := n.Term(index); ok {
		return t, true
	}
	if index <= n.Status().Snapshot {
		if a, ok := c.applied.at(index); ok {
			return a.term, true
		}
	}
	return 0, false
}

// committedTerm is the term of the entry known committed at index, 0 if
// none is yet.
func (c *Checker) committedTerm(index uint64) uint64 {
	if ce, ok := c.committed.at(index); ok {
		return ce.entry.term
	}
	return 0
}

// appliedTerm is the term of the entry first applied at index, 0 if none
// has been yet.
func (c *Checker) appliedTerm(index uint64) uint64 {
	if a, ok := c.applied.at(index); ok {
		return a.term
	}
	return 0
}
