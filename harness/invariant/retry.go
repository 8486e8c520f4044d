package invariant

import (
	"time"

	"raftcheck/harness/raftnode"
	"raftcheck/raft"
)

// RandomizedElectionTimeout is §5.2: "election timeouts are chosen
// randomly from a fixed interval", drawn afresh for every campaign, so that
// two candidates that collided once seldom collide again. A Raft whose
// timeout is fixed, or drawn once, or drawn alike on every node, elects a
// leader only when the network's jitter happens to break the tie, and can
// split the vote for ever.
//
// The checker times a campaign only where nothing but the timer can have
// started the next one: a node that campaigned, heard from no leader,
// granted no vote and took no other role before it campaigned again (a
// pre-candidate whose pre-vote failed, a candidate whose election did not
// end). The ticks between the two are then exactly the timeout drawn for
// the first. Twelve such retries of one node, all after the same number of
// ticks, fail the run: a Raft that draws from ElectionTick values does so
// by chance once in ElectionTick^11 (at least 5^11, 48 million). Like the
// other campaign rules (campaign.go) it assumes no leadership transfer: a
// campaign forced by MsgTimeoutNow is not a timeout, and must be taught to
// retryRound when transfers land.
const RandomizedElectionTimeout = "Randomized Election Timeout"

// equalRetries is how many equal retry intervals of one node fail the run.
const equalRetries = 12

// retryTimer follows one node's campaigns between rounds: ticks since the
// last round began, if that round is still the node's latest event.
type retryTimer struct {
	timing bool          // a round began and nothing since restarted the timer
	ticks  int           // ticks since it began
	at     time.Duration // when it began: a round's requests leave at once
	// first is the first interval timed, seen how many were, and varied
	// whether any differed from it.
	first  int
	seen   int
	varied bool
}

func (c *Checker) retryOf(id uint64) *retryTimer {
	t := c.camp.retries[id]
	if t == nil {
		t = &retryTimer{}
		c.camp.retries[id] = t
	}
	return t
}

// retryTick counts a tick of node id towards its next round.
func (c *Checker) retryTick(id uint64) {
	if t := c.camp.retries[id]; t != nil && t.timing {
		t.ticks++
	}
}

// retryStop notes an event that restarts node id's election timer other
// than a campaign: until its next round, nothing is timed.
func (c *Checker) retryStop(id uint64) {
	if t := c.camp.retries[id]; t != nil {
		t.timing = false
	}
}

// retryRound notes a campaign round of node n beginning now; timedOut says
// only its timer can have begun it (not a won pre-vote). A round the
// checker already saw begin in this activation is not counted twice (its
// requests and its change of role both announce it).
func (c *Checker) retryRound(n raftnode.View, timedOut bool) error {
	t := c.retryOf(n.ID())
	now := c.world.Now()
	if t.timing && t.at == now {
		return nil
	}
	interval, timed := t.ticks, t.timing && timedOut
	t.timing, t.ticks, t.at = true, 0, now
	// The ticks are counted to the round's requests, which leave late
	// when a write of the node's was still being synced: a timed interval
	// may be a few ticks off, in either direction, so it is only compared
	// for equality (a delay can only make equal draws look different).
	if !timed || c.sticky.ElectionTick == 0 {
		return nil
	}
	switch {
	case t.varied:
	case t.seen == 0:
		t.first, t.seen = interval, 1
	case interval != t.first:
		t.varied = true
	default:
		t.seen++
		if t.seen == equalRetries {
			return c.violation(RandomizedElectionTimeout, n, "campaigned again %d times, each time exactly %d ticks after its last campaign began (election timeout %d ticks): its election timeout is not drawn afresh at random for each campaign, so candidates that collide keep colliding", equalRetries, interval, c.sticky.ElectionTick)
		}
	}
	return nil
}

// retrySent notes a vote request n sends: a pre-vote request begins a
// round (a pre-candidate that retries shows it no other way: its role,
// term and vote stay the same).
func (c *Checker) retrySent(n raftnode.View, m raft.Message) error {
	if m.Type != raft.MsgPreVote {
		return nil
	}
	return c.retryRound(n, true)
}
