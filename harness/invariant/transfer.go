package invariant

import (
	"raftcheck/harness/raftnode"
	"raftcheck/raft"
)

// The checks of leadership transfer (thesis §3.10). A transfer is the one
// legitimate way for a node to campaign without its election timer, and
// for voters to grant a vote within a leader's lease: the leader gave the
// lease up. So every such campaign must be one a leader asked for, and the
// leader must have done its part.
const (
	// TransferJustified: a node campaigns at once (no timer, no
	// pre-vote), asking for votes marked as a transfer's, only when the
	// leader of its term told it to (MsgTimeoutNow), for the next term.
	TransferJustified = "Transfer Justified"
	// TransferTargetReady: a leader tells a node to campaign only if it
	// is a voter of the leader's configuration whose log the leader knows
	// matches its own: it then has every committed entry and can win.
	TransferTargetReady = "Transfer Target Ready"
	// TransferQuiesces: while a leader hands its office over, its log
	// grows by nothing a client asked for (the target could not catch up
	// with a log that grows), and it gives the transfer up within an
	// election timeout, or it would refuse every proposal for good.
	TransferQuiesces = "Transfer Quiesces"
)

// transfers is what the checker follows of transfers: which nodes were
// told to campaign, by the leader of which term, and each leader's
// transfer in flight.
type transfers struct {
	// told[id] is the term whose leader told node id to campaign.
	told map[uint64]uint64
	// inFlight[leader] is the leader's transfer in flight: to whom, since
	// which last index, and for how many of its ticks.
	inFlight map[uint64]transferInFlight
}

type transferInFlight struct {
	to, last uint64
	ticks    int
}

func newTransfers() transfers {
	return transfers{told: map[uint64]uint64{}, inFlight: map[uint64]transferInFlight{}}
}

// transferDelivered notes a MsgTimeoutNow that reaches a follower from
// the leader of its term.
func (c *Checker) transferDelivered(n raftnode.View, st raft.Status, m raft.Message) {
	if m.Type == raft.MsgTimeoutNow && m.Term == st.Term && st.Lead == m.From && st.State == raft.StateFollower {
		c.xfer.told[n.ID()] = m.Term
	}
}

// toldToCampaign says node id may campaign for term at once: the leader
// of the term before told it to.
func (c *Checker) toldToCampaign(id, term uint64) bool {
	t, ok := c.xfer.told[id]
	return ok && t+1 == term
}

// isTransferVote says m is a vote request marked as a transfer's.
func isTransferVote(m raft.Message) bool { return m.Type == raft.MsgVote && m.Context == 1 }

// transferSent checks what a node sends for a transfer: a vote request
// marked as a transfer's only after being told to, and MsgTimeoutNow only
// to a voter that has caught up.
func (c *Checker) transferSent(n raftnode.View, m raft.Message) error {
	switch {
	case isTransferVote(m):
		if !c.toldToCampaign(n.ID(), m.Term) {
			return c.violation(TransferJustified, n, "asked node %d for a transfer's vote in term %d, but no leader of term %d told it to campaign", m.To, m.Term, m.Term-1)
		}
	case m.Type == raft.MsgTimeoutNow:
		st := n.Status()
		if c.leaders[m.Term] != n.ID() {
			return c.violation(TransferTargetReady, n, "told node %d to campaign in term %d, which it did not lead", m.To, m.Term)
		}
		if st.State != raft.StateLeader || st.LeadTransferee != m.To {
			// It stepped down after (its removal committed, say), or the
			// message waited for an fsync past the transfer's end, after
			// which the log may grow again.
			return nil
		}
		if conf := c.confOf(n.ID()); !conf.IsVoter(m.To) {
			return c.violation(TransferTargetReady, n, "told node %d to campaign, which is not a voter of its configuration %v", m.To, conf)
		}
		var match uint64
		found := false
		n.Progress(func(id, mt, _ uint64) {
			if id == m.To {
				match, found = mt, true
			}
		})
		if !found || match > st.LastIndex || !onlyLeaves(n, match, st.LastIndex) {
			return c.violation(TransferTargetReady, n, "told node %d to campaign with its match at %d, short of the leader's last index %d: it may lack committed entries", m.To, match, st.LastIndex)
		}
	}
	return nil
}

// onlyLeaves says the entries after match up to last are changes that
// leave a joint configuration: a leader appends one by itself the moment
// the joint one commits, which may be in the very step it told its target
// to campaign, after it did.
func onlyLeaves(n raftnode.View, match, last uint64) bool {
	for i := match + 1; i <= last; i++ {
		e, ok := n.Entry(i)
		if !ok || e.Type != raft.EntryConfChange {
			return false
		}
		if cc, err := raft.DecodeConfChange(e.Data); err != nil || !cc.LeavesJoint() {
			return false
		}
	}
	return true
}

// transferStepped follows a leader's transfer in flight: its log may grow
// by no entry a client proposed while it lasts.
func (c *Checker) transferStepped(n raftnode.View, st raft.Status) error {
	id := n.ID()
	f, ok := c.xfer.inFlight[id]
	if st.State != raft.StateLeader || st.LeadTransferee == raft.None {
		delete(c.xfer.inFlight, id)
		return nil
	}
	if !ok || f.to != st.LeadTransferee {
		c.xfer.inFlight[id] = transferInFlight{to: st.LeadTransferee, last: st.LastIndex}
		return nil
	}
	for i := f.last + 1; i <= st.LastIndex; i++ {
		e, ok := n.Entry(i)
		if !ok {
			break
		}
		if e.Type == raft.EntryNormal {
			return c.violation(TransferQuiesces, n, "appended %v while handing its office to node %d", e, st.LeadTransferee)
		}
	}
	f.last = st.LastIndex
	c.xfer.inFlight[id] = f
	return nil
}

// transferTicking counts a leader's ticks with a transfer in flight.
func (c *Checker) transferTicking(n raftnode.View) error {
	id := n.ID()
	f, ok := c.xfer.inFlight[id]
	if !ok || c.sticky.ElectionTick == 0 {
		return nil
	}
	f.ticks++
	c.xfer.inFlight[id] = f
	if f.ticks > c.sticky.ElectionTick {
		return c.violation(TransferQuiesces, n, "has been handing its office to node %d for %d ticks, past the election timeout of %d after which it must give up", f.to, f.ticks, c.sticky.ElectionTick)
	}
	return nil
}
