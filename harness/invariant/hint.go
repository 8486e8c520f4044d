package invariant

import (
	"raftcheck/harness/raftnode"
	"raftcheck/raft"
)

// RejectionHint is fast log backtracking (§5.3, "the follower can include
// the term of the conflicting entry"; etcd-io/raft's findConflictByTerm):
// a follower that rejects an append whose previous entry is (index,
// logTerm) names, as the highest place the two logs could still agree,
// its own last entry at or below that index with a term at most logTerm,
// with that entry's term. A hint too high makes the leader probe in vain
// again; one too low sends entries the follower already has, or truncates
// nothing it should; a wrong term misleads the leader's own search. None
// of that breaks safety, which is why no other check sees it: the cluster
// only pays round trips, or a whole log resent, at every leader change.
//
// The expected hint is computed from the follower's log as the append
// reaches it, just before it is stepped, and compared with what its
// rejection says when it leaves.
const RejectionHint = "Rejection Hint"

// probeKey names an append delivered to a node, as its rejection names it.
type probeKey struct{ leader, index, term uint64 }

// expectedHint is the hint a rejection must carry.
type expectedHint struct{ index, term uint64 }

// noteProbe computes the hint node n must give if it rejects append m.
// The rejections of one node leave in the order its appends were stepped,
// though late (after an fsync of its), so the hints expected for one append
// key wait in a queue; a restart empties the node's queues (what it had
// not sent, it never will).
func (c *Checker) noteProbe(n raftnode.View, st raft.Status, m raft.Message) {
	if m.Type != raft.MsgApp || m.Term < st.Term || m.Index < st.Commit {
		return // answered stale, or as already matching: no hint
	}
	if t, ok := c.termAt(n, m.Index); ok && t == m.LogTerm {
		return // it matches: no rejection
	}
	index := min(m.Index, st.LastIndex)
	for index > st.Snapshot { // the search stops at the log's start
		if t, ok := c.termAt(n, index); !ok || t <= m.LogTerm {
			break
		}
		index--
	}
	term, _ := c.termAt(n, index)
	q := c.hints[n.ID()]
	if q == nil {
		q = map[probeKey][]expectedHint{}
		c.hints[n.ID()] = q
	}
	k := probeKey{leader: m.From, index: m.Index, term: m.Term}
	q[k] = append(q[k], expectedHint{index: index, term: term})
}

// checkHint checks the hint of a rejection node n sends.
func (c *Checker) checkHint(n raftnode.View, m raft.Message) error {
	if m.Type != raft.MsgAppResp || !m.Reject {
		return nil
	}
	q := c.hints[n.ID()]
	k := probeKey{leader: m.To, index: m.Index, term: m.Term}
	if len(q[k]) == 0 {
		return nil
	}
	want := q[k][0]
	if q[k] = q[k][1:]; len(q[k]) == 0 {
		delete(q, k)
	}
	if m.RejectHint != want.index || m.HintTerm != want.term {
		return c.violation(RejectionHint, n, "rejected the append after (index %d) of term %d from node %d with hint index %d, term %d; its log makes the highest place the logs could agree index %d, of term %d", m.Index, m.Term, m.To, m.RejectHint, m.HintTerm, want.index, want.term)
	}
	return nil
}
