package cluster

import (
	"strconv"
	"time"
)

// Proposer is a simple driver: every Interval it proposes Batch new
// commands ("p1", "p2", ...) to the current leader, as a client that could
// find the leader at once would. It counts what was accepted; what was
// committed is read from the nodes' applied entries.
type Proposer struct {
	c        *Cluster
	Interval time.Duration
	Batch    int
	next     uint64
	stopped  bool
	// Proposed counts commands a leader accepted into its log.
	Proposed int
	// Rejected counts attempts that found no leader or a leader that
	// refused.
	Rejected int
}

// StartProposer starts proposing at the cluster's current time.
func (c *Cluster) StartProposer(interval time.Duration, batch int) *Proposer {
	p := &Proposer{c: c, Interval: interval, Batch: batch}
	c.World.After(interval, p.tick)
	return p
}

// Stop stops proposing.
func (p *Proposer) Stop() { p.stopped = true }

func (p *Proposer) tick() {
	if p.stopped {
		return
	}
	if leader := p.c.Leader(); leader == nil {
		p.Rejected++
	} else {
		for i := 0; i < p.Batch; i++ {
			p.next++
			if _, _, err := leader.Propose(Command(p.next)); err != nil {
				p.Rejected++
				break
			}
			p.Proposed++
		}
	}
	p.c.World.After(p.Interval, p.tick)
}

// Command is the data of the proposer's n-th command.
func Command(n uint64) []byte { return strconv.AppendUint([]byte("p"), n, 10) }

// Committed is the number of normal entries the live node that applied the
// most has applied: with the proposer alone, its commands committed.
func (c *Cluster) Committed() int {
	best := 0
	for _, id := range c.Peers.IDs() {
		if n := c.Node(id); n != nil && n.AppliedNormal() > best {
			best = n.AppliedNormal()
		}
	}
	return best
}
