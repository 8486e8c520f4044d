package invariant

import (
	"raftcheck/harness/raftnode"
	"raftcheck/raft"
)

// MatchEarned (§5.3, Figure 2 "Volatile state on leaders"): a leader's
// matchIndex for a follower is reinitialized when it takes office and
// only ever raised by the follower's successful AppendEntries responses
// of its term; its own match is what it has made durable. A match index
// above what was earned is a commit waiting to go wrong: the leader counts
// a replica that does not exist (an acknowledgement of an older term, a
// match kept across terms, its own unsynced entries).
const MatchEarned = "Match Earned"

// NextBacksOffOnRejection (§5.3, etcd-io/raft's Progress): within a
// leader's term, the next index it sends a follower moves back only when
// that follower rejects an append: an acknowledgement only ever moves it
// forward. A Next that rewinds on an ack resends what is already in
// flight, and a window that forgets its appends stalls or floods; neither
// breaks safety, so no other check sees it, but the cluster's throughput
// does. It fits a Raft without snapshots or unreachable reports: etcd's
// ReportUnreachable and an aborted snapshot also move Next back, to
// Match+1, and must be taught to the rule when such paths land.
const NextBacksOffOnRejection = "Next Backs Off On Rejection"

// StaleResponseIgnored (§5.1): a response of an earlier term tells a
// leader nothing about its own term's replication, so it must not move
// the sender's match or next index. A leader re-elected in a later term
// starts its match indexes afresh, and a delayed acknowledgement of its
// old term would otherwise count a replica that the new term never
// confirmed.
const StaleResponseIgnored = "Stale Response Ignored"

type ackKey struct{ leader, term, follower uint64 }

// leaderProgress is a follower's progress as a leader tracked it at its
// last step.
type leaderProgress struct{ match, next uint64 }

// recordAck notes a successful MsgAppResp of term from follower to leader
// acknowledging index.
func (c *Checker) recordAck(leader, term, follower, index uint64) {
	k := ackKey{leader, term, follower}
	if index > c.acked[k] {
		c.acked[k] = index
	}
}

// checkProgress checks every match and next index leader n tracks in its
// term.
func (c *Checker) checkProgress(n raftnode.View, term uint64) error {
	id := n.ID()
	rejected := c.rejectedBy[id]
	delete(c.rejectedBy, id)
	stale, staleFrom := c.staleTo[id]
	delete(c.staleTo, id)
	var err error
	n.Progress(func(peer, match, next uint64) {
		if err != nil {
			return
		}
		k := ackKey{id, term, peer}
		prev, ok := c.nexts[k]
		switch {
		case ok && staleFrom && peer == stale.from && (match != prev.match || next != prev.next):
			err = c.violation(StaleResponseIgnored, n, "the leader of term %d moved node %d's progress from match %d, next %d to match %d, next %d on a %s of term %d", term, peer, prev.match, prev.next, match, next, stale.typ, stale.term)
			return
		case ok && next < prev.next && peer != id && !rejected[peer]:
			err = c.violation(NextBacksOffOnRejection, n, "the leader of term %d moved node %d's next index back from %d to %d, though no rejection of node %d reached it", term, peer, prev.next, next, peer)
			return
		}
		c.nexts[k] = leaderProgress{match: match, next: next}
		if match == 0 {
			return
		}
		if peer == id {
			d := c.durable(id)
			e, ok := n.Entry(match)
			if dt := d.term(match); !ok || dt != e.Term {
				err = c.violation(MatchEarned, n, "the leader of term %d counts its own log up to index %d, but a crash now would recover entries up to %d only", term, match, d.lastIndex())
			}
			return
		}
		if acked := c.acked[ackKey{id, term, peer}]; match > acked {
			err = c.violation(MatchEarned, n, "the leader of term %d holds match index %d for node %d, which acknowledged only up to %d in this term", term, match, peer, acked)
		}
	})
	return err
}

// staleResponse is a response of an earlier term delivered to a leader.
type staleResponse struct {
	from, term uint64
	typ        raft.MessageType
}

// noteDelivered records what a message reaching leader n may change in
// the activation it starts: a rejection of its term may move the sender's
// next index back; a response of an earlier term may move nothing.
func (c *Checker) noteDelivered(n raftnode.View, m raft.Message) {
	st := n.Status()
	if st.State != raft.StateLeader || m.Type != raft.MsgAppResp && m.Type != raft.MsgHeartbeatResp {
		return
	}
	switch {
	case m.Term < st.Term:
		c.staleTo[n.ID()] = staleResponse{from: m.From, term: m.Term, typ: m.Type}
	case m.Type == raft.MsgAppResp && m.Reject:
		c.noteRejection(n.ID(), m.From)
	}
}

// noteRejection records a rejected append reaching leader, which may move
// the rejecting follower's next index back in the activation it starts.
func (c *Checker) noteRejection(leader, follower uint64) {
	if c.rejectedBy[leader] == nil {
		c.rejectedBy[leader] = map[uint64]bool{}
	}
	c.rejectedBy[leader][follower] = true
}
