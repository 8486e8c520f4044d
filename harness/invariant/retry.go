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
// the first, in [ElectionTick, 2·ElectionTick). A run of equal timed
// retries of one node fails the run once it is long enough that a Raft
// drawing uniformly makes one by chance less than once in 10^11
// (equalRetries: 12 at ElectionTick 10, 17 at 5, 10 at 20). Like the
// other campaign rules (campaign.go) it assumes no leadership transfer: a
// campaign forced by MsgTimeoutNow is not a timeout, and must be taught to
// retryRound when transfers land.
const RandomizedElectionTimeout = "Randomized Election Timeout"

// equalRetries is how many equal timed retries in a row of one node fail
// the run: the smallest k with ElectionTick^-(k-1) ≤ 10^-11.
func equalRetries(electionTick int) int {
	k := 1
	for odds := int64(1); odds < 1e11; odds *= int64(max(electionTick, 2)) {
		k++
	}
	return k
}

// retryTimer follows one node's campaigns between rounds: ticks since the
// last round began, if that round is still the node's latest event.
type retryTimer struct {
	timing bool          // a round began and nothing since restarted the timer
	ticks  int           // ticks since it began
	at     time.Duration // when it began: a round's requests leave at once
	// requests says the round began with a change of role and its
	// pre-vote requests are still to leave (after a pending fsync): they
	// begin no round of their own.
	requests bool
	// run is the length of the latest run of equal timed intervals, and
	// of the interval the run is of.
	run, of int
}

func (c *Checker) retryOf(id uint64) *retryTimer { return entry(&c.camp.retries, id) }

// retryTick counts a tick of node id towards its next round.
func (c *Checker) retryTick(id uint64) {
	if t := c.camp.retries.at(id); t != nil && t.timing {
		t.ticks++
	}
}

// retryStop notes an event that restarts node id's election timer other
// than a campaign: until its next round, nothing is timed.
func (c *Checker) retryStop(id uint64) {
	if t := c.camp.retries.at(id); t != nil {
		t.timing, t.requests = false, false
	}
}

// retryRound notes a campaign round of node n beginning now; timedOut says
// only its timer can have begun it (not a won pre-vote), and requests that
// its pre-vote requests are yet to be sent. A round the checker already
// saw begin in this activation is not counted twice (its requests and its
// change of role both announce it).
func (c *Checker) retryRound(n raftnode.View, timedOut, requests bool) error {
	t := c.retryOf(n.ID())
	now := c.world.Now()
	if t.timing && t.at == now {
		return nil
	}
	interval, timed := t.ticks, t.timing && timedOut
	t.timing, t.ticks, t.at, t.requests = true, 0, now, requests
	// The ticks are counted to the round's requests, which leave late
	// when a write of the node's was still being synced: a timed interval
	// may be a few ticks off. One outside the range of the draws is such
	// an artefact and is passed over; a delay can only make equal draws
	// look different, never different draws equal.
	et := c.sticky.ElectionTick
	if !timed || et == 0 || interval < et || interval >= 2*et {
		return nil
	}
	if interval != t.of {
		t.run, t.of = 0, interval
	}
	t.run++
	if k := equalRetries(et); t.run == k {
		return c.violation(RandomizedElectionTimeout, n, "campaigned again %d times in a row, each time exactly %d ticks after its last campaign began (election timeout %d ticks): its election timeout is not drawn afresh at random for each campaign, so candidates that collide keep colliding", k, interval, et)
	}
	return nil
}

// retrySent notes a message n sends: a pre-vote request begins a round (a
// pre-candidate that retries shows it no other way: its role, term and
// vote stay the same) unless its round began already; a vote granted again
// to the candidate n voted for restarts n's timer with no change of status.
func (c *Checker) retrySent(n raftnode.View, m raft.Message) error {
	switch {
	case m.Type == raft.MsgVoteResp && !m.Reject:
		c.retryStop(n.ID())
	case m.Type == raft.MsgPreVote:
		if t := c.camp.retries.at(n.ID()); t != nil && t.requests {
			// The requests of the round already begun: the rest of them
			// leave at this same instant.
			t.requests, t.at = false, c.world.Now()
			return nil
		}
		return c.retryRound(n, true, false)
	}
	return nil
}
