package invariant

import (
	"raftcheck/harness/raftnode"
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
// does.
const NextBacksOffOnRejection = "Next Backs Off On Rejection"

type ackKey struct{ leader, term, follower uint64 }

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
	var err error
	n.Progress(func(peer, match, next uint64) {
		if err != nil {
			return
		}
		k := ackKey{id, term, peer}
		if prev, ok := c.nexts[k]; ok && next < prev && peer != id && !rejected[peer] {
			err = c.violation(NextBacksOffOnRejection, n, "the leader of term %d moved node %d's next index back from %d to %d, though no rejection of node %d reached it", term, peer, prev, next, peer)
			return
		}
		c.nexts[k] = next
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

// noteRejection records a rejected append reaching leader, which may move
// the rejecting follower's next index back in the activation it starts.
func (c *Checker) noteRejection(leader, follower uint64) {
	if c.rejectedBy[leader] == nil {
		c.rejectedBy[leader] = map[uint64]bool{}
	}
	c.rejectedBy[leader][follower] = true
}
