package invariant

import (
	"raftcheck/harness/raftnode"
	"raftcheck/raft"
)

// TermLearned (§5.1; thesis §9.6): a node's term rises only when it
// campaigns (a candidate of the next term) or hears a message of a later
// term. A pre-vote request, and a granted pre-vote, carry a term nobody
// has adopted: a node that takes its term from one has been disrupted by
// a candidate the pre-vote phase exists to keep harmless, and deposes its
// leader for nothing.
const TermLearned = "Term Learned"

// termWatch is, per node, its term at its last step, the highest term of
// the messages delivered to it that may carry a term to adopt, and the
// highest a pre-vote request or grant delivered to it named.
type termWatch struct {
	term, heard, named byNode[uint64]
}

func newTermWatch() termWatch {
	return termWatch{}
}

// termStarted starts node id's watch from the term it recovered.
func (c *Checker) termStarted(id, term uint64) {
	c.terms.term.put(id, term)
	c.terms.heard.put(id, term)
	c.terms.named.del(id)
}

// termHeard notes the term of m, delivered to node to, unless m names a
// term only (a pre-vote request or grant).
func (c *Checker) termHeard(to uint64, m raft.Message) {
	if m.Type == raft.MsgPreVote || m.Type == raft.MsgPreVoteResp && !m.Reject {
		c.terms.named.put(to, max(c.terms.named.at(to), m.Term))
		return
	}
	c.terms.heard.put(to, max(c.terms.heard.at(to), m.Term))
}

// checkTermLearned checks the term n shows after a step.
func (c *Checker) checkTermLearned(n raftnode.View, st raft.Status) error {
	id := n.ID()
	last, known := c.terms.term.get(id)
	c.terms.term.put(id, st.Term)
	// Judged only where a pre-vote named the new term: a term whose
	// source the checker did not see (a message it was not shown) is
	// not this rule's to judge.
	if !known || st.Term <= last || st.Term <= c.terms.heard.at(id) || st.Term > c.terms.named.at(id) {
		return nil
	}
	if st.State == raft.StateCandidate || st.State == raft.StateLeader || st.Vote == id {
		// It campaigned: a candidate, or past it in the same term (a
		// node whose Ready waited for an fsync may show the step after
		// its campaign, a pre-candidate again, with its own vote).
		return nil
	}
	return c.violation(TermLearned, n, "moved from term %d to term %d as a %s, though no message delivered to it carried a term above %d, only a pre-vote naming term %d (a pre-vote names a term, it gives none)", last, st.Term, st.State, c.terms.heard.at(id), c.terms.named.at(id))
}
