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

type ackKey struct{ leader, term, follower uint64 }

// recordAck notes a successful MsgAppResp of term from follower to leader
// acknowledging index.
func (c *Checker) recordAck(leader, term, follower, index uint64) {
	k := ackKey{leader, term, follower}
	if index > c.acked[k] {
		c.acked[k] = index
	}
}

// checkProgress checks every match index leader n tracks in its term.
func (c *Checker) checkProgress(n raftnode.View, term uint64) error {
	id := n.ID()
	var err error
	n.Progress(func(peer, match, _ uint64) {
		if err != nil || match == 0 {
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
