package invariant

import (
	"raftcheck/harness/raftnode"
	"raftcheck/raft"
)

// LeaderStickiness is thesis §4.2.3 (and §9.6 for PreVote): a node that
// has heard from a leader within the election timeout refuses pre-votes
// and, with CheckQuorum, votes, whatever term they are for; so does a node
// that booted within it. It is what keeps a partitioned node from
// deposing a healthy leader, and it is the promise lease reads rest on.
const LeaderStickiness = "Leader Stickiness"

// Stickiness is what the leader-stickiness rule needs to know of the
// nodes' configuration; a zero ElectionTick turns the rule off.
type Stickiness struct {
	// ElectionTick is the election timeout in ticks: a node refuses while
	// fewer than this many ticks have passed since it last heard from a
	// leader of its term (or led, or booted).
	ElectionTick int
	// CheckQuorum makes real votes sticky too, not only pre-votes.
	CheckQuorum bool
}

// SetStickiness turns the leader-stickiness rule and the lease count on.
func (c *Checker) SetStickiness(s Stickiness) { c.sticky = s }

// leaseClock counts, per node, the ticks since it last heard from a
// leader, led, or booted, up to the election timeout: the same count a
// node's Raft keeps, kept here from what the wire and the clock show, so
// that a Raft that forgets to count, or counts wrong, is caught.
type leaseClock struct {
	ticks byNode[int]
}

func (c *Checker) resetLease(id uint64) { c.lease.ticks.put(id, 0) }

// inLease reports whether node id is within its promise: fewer than an
// election timeout of ticks since it last heard from a leader.
func (c *Checker) inLease(id uint64) bool {
	return c.lease.ticks.at(id) < c.sticky.ElectionTick
}

// Ticking counts a tick of n's clock. A leader's tick resets the count (a
// leader hears from itself); a follower's or candidate's advances it.
func (c *Checker) Ticking(n raftnode.View) error {
	id := n.ID()
	if c.sem.OwnTimers {
		return nil
	}
	if err := c.transferTicking(n); err != nil {
		return err
	}
	leads := n.Status().State == raft.StateLeader
	c.tickTimer(id, leads)
	if leads {
		c.resetLease(id)
	} else if t := c.lease.ticks.at(id); t < c.sticky.ElectionTick {
		c.lease.ticks.put(id, t+1)
	}
	return nil
}

// heardFromLeader resets the count when an append or a heartbeat of at
// least the node's term reaches it: the node follows that leader.
func (c *Checker) heardFromLeader(n raftnode.View, st raft.Status, m raft.Message) {
	if (m.Type == raft.MsgApp || m.Type == raft.MsgHeartbeat) && m.Term >= st.Term {
		c.resetLease(n.ID())
		c.restartTimer(n.ID())
		c.retryStop(n.ID())
	}
}

// checkSticky checks a granted vote or pre-vote: every copy of the request
// reached the voter within its promise.
func (c *Checker) checkSticky(n raftnode.View, m raft.Message, req requestState) error {
	if c.sticky.ElectionTick == 0 || !req.seen || req.outOfLease || req.transfer && m.Type == raft.MsgVoteResp {
		return nil
	}
	switch {
	case m.Type == raft.MsgPreVoteResp:
		return c.violation(LeaderStickiness, n, "granted a pre-vote in term %d to node %d fewer than %d ticks after it last heard from a leader", m.Term, m.To, c.sticky.ElectionTick)
	case c.sticky.CheckQuorum && !req.votedForCandidate:
		return c.violation(LeaderStickiness, n, "granted its vote in term %d to node %d fewer than %d ticks after it last heard from a leader, with CheckQuorum on", m.Term, m.To, c.sticky.ElectionTick)
	}
	return nil
}

// LeaseQuorum judges a leader of term serving a read from its lease now.
// A lease is sound only while no leader of a later term has been elected
// (newer is the latest such term, 0 if none), and the voters of the
// leader's configuration that could still vote for another (all but
// itself, nodes that are down, and nodes within their promise: refusing)
// are no majority (LeaseHolds). While the configuration is joint, the
// outgoing voters are counted: a rival needs a majority of them whether
// its log holds the joint configuration or not, and every lease this
// leader confirmed, before the change or during it, bound a majority of
// them.
func (c *Checker) LeaseQuorum(leader, term uint64) (refusing, voters int, newer uint64) {
	conf := c.confOf(leader)
	ids := conf.Voters
	if conf.Joint() {
		ids = conf.VotersOutgoing
	}
	for _, id := range ids {
		if id == leader || c.world.Live(id) == nil || c.inLease(id) {
			refusing++
		}
	}
	if c.latestLeaderTerm > term {
		newer = c.latestLeaderTerm
	}
	return refusing, len(ids), newer
}

// LeaseHolds says refusing voters of voters leave too few to elect
// another leader: fewer than a majority can vote. (Of four voters, two
// refusing suffice: the other two are no majority.)
func LeaseHolds(refusing, voters int) bool { return voters-refusing <= voters/2 }
