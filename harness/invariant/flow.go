package invariant

import (
	"raftcheck/harness/raftnode"
	"raftcheck/raft"
)

// FlowBounded (raft/flow.go): a leader's uncommitted proposals of its term
// stay within their bound (unless a single one, accepted when nothing else
// was uncommitted); a MsgApp carries entries within its bound, and a batch
// of committed entries handed to the state machine too, unless a single
// entry. A Raft that ignores them queues without limit behind a quorum it
// lost, and sends messages no transport accepts.
const FlowBounded = "Flow Bounded"

// FlowBounds are the bounds, in bytes of entry payload, that the nodes
// were given; 0 is no bound. CommittedPerReady is judged on each batch a
// node applies, so it is 0 when nodes apply behind their Raft (batches of
// several Readies).
type FlowBounds struct {
	Uncommitted, Msg, CommittedPerReady uint64
}

// SetFlowBounds tells the checker the bounds the nodes enforce.
func (c *Checker) SetFlowBounds(b FlowBounds) { c.flow = b }

func payloadOf(ents []raft.Entry) (total uint64) {
	for _, e := range ents {
		total += uint64(len(e.Data))
	}
	return total
}

// flowSent checks one MsgApp.
func (c *Checker) flowSent(n raftnode.View, m raft.Message) error {
	if c.flow.Msg == 0 || m.Type != raft.MsgApp || len(m.Entries) <= 1 {
		return nil
	}
	if p := payloadOf(m.Entries); p > c.flow.Msg {
		return c.violation(FlowBounded, n, "sent node %d %d entries of %d bytes in one MsgApp, past the bound of %d", m.To, len(m.Entries), p, c.flow.Msg)
	}
	return nil
}

// flowApplied checks one batch applied.
func (c *Checker) flowApplied(n raftnode.View, entries []raft.Entry) error {
	if c.flow.CommittedPerReady == 0 || len(entries) <= 1 {
		return nil
	}
	if p := payloadOf(entries); p > c.flow.CommittedPerReady {
		return c.violation(FlowBounded, n, "was handed %d committed entries of %d bytes in one Ready, past the bound of %d", len(entries), p, c.flow.CommittedPerReady)
	}
	return nil
}

// flowStepped checks a leader's uncommitted proposals of its term.
func (c *Checker) flowStepped(n raftnode.View, st raft.Status) error {
	if c.flow.Uncommitted == 0 || st.State != raft.StateLeader || st.LastIndex <= st.Commit {
		return nil
	}
	var total uint64
	count := 0
	for i := st.LastIndex; i > st.Commit; i-- {
		e, ok := n.Entry(i)
		if !ok || e.Term != st.Term {
			break
		}
		if e.Type == raft.EntryNormal && len(e.Data) > 0 {
			total += uint64(len(e.Data))
			count++
		}
	}
	if total > c.flow.Uncommitted && count > 1 {
		return c.violation(FlowBounded, n, "holds %d uncommitted proposals of its term, %d bytes, past the bound of %d", count, total, c.flow.Uncommitted)
	}
	return nil
}
