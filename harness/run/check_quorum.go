package run

import (
	"fmt"
	"time"

	"raftcheck/checker"
	"raftcheck/harness"
	"raftcheck/harness/cluster"
	"raftcheck/raft"
)

// quorumWatch is the CheckQuorum oracle: with CheckQuorum on, a leader
// that cannot reach a quorum steps down within about one election timeout
// of its own clock, two at most (thesis §6.2), so a leader that keeps
// leading for five election timeouts of running time while it is cut off
// from a majority, or while a leader of a later term exists, is a bug,
// though no client may ever notice: its clients only time out and go
// elsewhere. Paused time does not count (a paused node runs no timers);
// time runs at the leader's clock rate (a jump fires no timer), measured
// at the timeline's sampling interval.
type quorumWatch struct {
	c     *cluster.Cluster
	limit time.Duration // five election timeouts
	// stale[i] is the local time node i has led while it should not, and
	// seenAt[i] the virtual time of the last sample (-1: not counting).
	stale  []time.Duration
	seenAt []time.Duration
	first  string
}

func newQuorumWatch(c *cluster.Cluster, cfg Config) *quorumWatch {
	n := len(c.Peers.Addrs)
	q := &quorumWatch{c: c, limit: 5 * time.Duration(cfg.Raft.ElectionTick) * cfg.Raft.TickInterval, stale: make([]time.Duration, n), seenAt: make([]time.Duration, n)}
	for i := range q.seenAt {
		q.seenAt[i] = -1
	}
	return q
}

// sample looks at every leader now.
func (q *quorumWatch) sample() {
	if q.first != "" {
		return
	}
	w := q.c.World
	var top uint64
	for _, id := range q.c.Peers.IDs() {
		if n := q.c.Up(id); n != nil && n.Status().State == raft.StateLeader {
			top = max(top, n.Status().Term)
		}
	}
	for i, id := range q.c.Peers.IDs() {
		a := q.c.Addr(id)
		n := q.c.Up(id)
		if n == nil || n.Status().State != raft.StateLeader {
			q.stale[i], q.seenAt[i] = 0, -1
			continue
		}
		st := n.Status()
		why := ""
		switch {
		case st.Term < top:
			why = fmt.Sprintf("a leader of term %d exists", top)
		case !q.reachesQuorum(a):
			why = "it cannot reach a quorum"
		}
		if why == "" {
			q.stale[i], q.seenAt[i] = 0, -1
			continue
		}
		now := w.Now()
		if q.seenAt[i] >= 0 {
			// The node's ticks run at its clock's rate; a jump of the
			// clock fires no timer, so it does not count.
			real := now - q.seenAt[i]
			q.stale[i] += real + time.Duration(int64(real)/1_000_000*int64(w.Clock(a).Rate()))
		}
		q.seenAt[i] = now
		if q.stale[i] > q.limit {
			q.first = fmt.Sprintf("%s still led term %d at %v, for %v of its own time while %s (CheckQuorum steps a leader down within about one election timeout)", w.Name(a), st.Term, w.Now(), q.stale[i].Round(time.Millisecond), why)
			w.Note("oracle: %s", q.first)
		}
	}
}

// reachesQuorum reports whether the leader at a has working links both
// ways to enough running nodes to make a quorum with itself.
func (q *quorumWatch) reachesQuorum(a harness.Addr) bool {
	w := q.c.World
	reach := 1
	for _, b := range q.c.Peers.Addrs {
		if b != a && w.State(b) == harness.NodeUp && !w.IsCut(a, b) && !w.IsCut(b, a) {
			reach++
		}
	}
	return reach > len(q.c.Peers.Addrs)/2
}

func (q *quorumWatch) result(enabled bool) checker.Result {
	switch {
	case !enabled:
		return checker.Result{Valid: checker.Valid, Summary: "not checked: CheckQuorum is off"}
	case q.first != "":
		return checker.Result{Valid: checker.Invalid, Summary: q.first}
	}
	return checker.Result{Valid: checker.Valid, Summary: "every leader cut off from a quorum, or outlived by a newer one, stepped down within five election timeouts"}
}
