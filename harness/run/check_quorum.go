package run

import (
	"fmt"
	"time"

	"raftcheck/checker"
	"raftcheck/harness"
	"raftcheck/harness/cluster"
	"raftcheck/harness/invariant"
	"raftcheck/raft"
)

// quorumWatch is the CheckQuorum oracle: with CheckQuorum on, a leader
// that cannot reach a quorum steps down within about one election timeout
// of its own clock, two at most (thesis §6.2), so a leader that keeps
// leading for two and a half election timeouts of running time while it
// is cut off from a majority, or while a leader of a later term exists,
// with no fault healing meanwhile, is a bug,
// though no client may ever notice: its clients only time out and go
// elsewhere. Paused time does not count (a paused node runs no timers);
// time runs at the leader's clock rate (a jump fires no timer), measured
// at the timeline's sampling interval.
//
// It also sees the opposite mistake: a leader that steps down in its own
// term (CheckQuorum's step-down) after a whole CheckQuorum window (an
// election timeout, with room for a heartbeat round trip and the
// sampling) in which it could reach a quorum over a clean network (the
// run's own latencies, no packet or disk fault (one slow disk included: a
// leader whose own write holds back its heartbeats hears from no one), its clock within 10% of
// true rate) and no fault started or healed. Stepping down is
// always safe, so no safety check sees a CheckQuorum that miscounts its
// quorum; it only costs availability, in the very moments a bare majority
// is all that is left.
type quorumWatch struct {
	c     *cluster.Cluster
	cfg   Config
	limit time.Duration // two and a half election timeouts
	// ledTerm[i] is the term node i led at the last sample (0: none), and
	// healthySince[i] since when it has been healthy leading it (-1: not).
	ledTerm      []uint64
	healthySince []time.Duration
	lastFault    time.Duration // when a fault last started or healed
	spurious     string
	// stale[i] is the local time node i has led while it should not, and
	// seenAt[i] the virtual time of the last sample (-1: not counting).
	stale  []time.Duration
	seenAt []time.Duration
	first  string
}

func newQuorumWatch(c *cluster.Cluster, cfg Config) *quorumWatch {
	n := len(c.Peers.Addrs)
	limit := 5 * time.Duration(cfg.Raft.ElectionTick) * cfg.Raft.TickInterval / 2
	if c.Config().System.Semantics().CheckQuorumEachTimeout {
		// Its check comes at the end of each election timeout: up to two
		// after the quorum was last heard from, and a half for the rest.
		limit = 7 * time.Duration(cfg.Raft.ElectionTick) * cfg.Raft.TickInterval / 2
	}
	q := &quorumWatch{c: c, cfg: cfg, limit: limit,
		stale: make([]time.Duration, n), seenAt: make([]time.Duration, n),
		ledTerm: make([]uint64, n), healthySince: make([]time.Duration, n)}
	for i := range q.seenAt {
		q.seenAt[i] = -1
		q.healthySince[i] = -1
	}
	return q
}

// faultChanged notes that a fault started or healed now; healed says it
// healed. A leader's time without a quorum counts again from a heal:
// between two samples the heal may have let it hear from a quorum, which
// restarts its CheckQuorum window.
func (q *quorumWatch) faultChanged(healed bool) {
	q.lastFault = q.c.World.Now()
	if !healed {
		return
	}
	for i := range q.stale {
		q.stale[i], q.seenAt[i] = 0, -1
	}
}

// checkStepDown looks at node i, at address a, now: a step-down in the
// term it led at the last sample, after two election timeouts healthy, is
// spurious.
func (q *quorumWatch) checkStepDown(i int, a harness.Addr, st raft.Status, leading bool) {
	w := q.c.World
	now := w.Now()
	tick := q.cfg.Raft.TickInterval
	window := time.Duration(q.cfg.Raft.ElectionTick)*tick*6/5 + 2*time.Duration(q.cfg.Raft.HeartbeatTick)*tick +
		2*q.cfg.Network.Latency.Max + 100*time.Millisecond
	if !leading && q.ledTerm[i] != 0 && st.Term == q.ledTerm[i] && q.healthySince[i] >= 0 &&
		now-q.healthySince[i] > window && now-q.lastFault > window && q.spurious == "" && q.stillVoter(a) {
		q.spurious = fmt.Sprintf("%s stepped down in term %d at %v though it had reached a quorum over a clean network for %v (CheckQuorum steps down only after an election timeout without a quorum)", w.Name(a), st.Term, now, (now - q.healthySince[i]).Round(time.Millisecond))
		w.Note("oracle: %s", q.spurious)
	}
	if !leading {
		q.ledTerm[i], q.healthySince[i] = 0, -1
		return
	}
	rate := w.Clock(a).Rate()
	net := w.Network()
	healthy := q.roomy() && q.reachesQuorum(a) && net == q.cfg.Network && net.Drop == (harness.Probability{}) && net.Reorder == (harness.Probability{}) &&
		w.DiskConfig() == q.cfg.Disk && !w.DiskSlowed() && rate > -100_000 && rate < 100_000 && q.drained(a)
	switch {
	case !healthy || q.ledTerm[i] != st.Term:
		q.healthySince[i] = -1
	case q.healthySince[i] < 0:
		q.healthySince[i] = now
	}
	q.ledTerm[i] = st.Term
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
		if n != nil {
			st := n.Status()
			q.checkStepDown(i, a, st, st.State == raft.StateLeader)
		} else {
			q.ledTerm[i], q.healthySince[i] = 0, -1
		}
		if n == nil || n.Status().State != raft.StateLeader || !n.Leads() {
			// A leader whose step-down waits for its fsync to show in
			// Status already serves nothing as leader.
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
		if why == "" || !q.drained(a) {
			// Messages a fault delayed may still reach it from the
			// peers it can no longer reach, and count as replies for its
			// CheckQuorum: the count starts once they are through.
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

// roomy reports whether an election timeout leaves room for a heartbeat
// round trip at the network's worst latency and a few fsyncs on each side:
// otherwise a correct leader may miss a quorum's replies in one window by
// bad luck alone, and a step-down proves nothing.
func (q *quorumWatch) roomy() bool {
	et := time.Duration(q.cfg.Raft.ElectionTick) * q.cfg.Raft.TickInterval
	return et > 4*q.cfg.Network.Latency.Max+4*q.cfg.Disk.SyncLatency.Max+time.Duration(q.cfg.Raft.HeartbeatTick)*q.cfg.Raft.TickInterval
}

// drained reports whether no link between the node at a and another is
// still delivering messages delayed by a fault that has healed.
func (q *quorumWatch) drained(a harness.Addr) bool {
	w := q.c.World
	for _, b := range q.c.Peers.Addrs {
		if b != a && (w.Backlog(a, b) > q.cfg.Network.Latency.Max || w.Backlog(b, a) > q.cfg.Network.Latency.Max) {
			return false
		}
	}
	return true
}

// steadyNetwork reports whether the nodes at addrs talk over the run's own
// network with room for a heartbeat round trip within an election
// timeout: no packet, disk or clock fault, every clock within 10% of true
// rate, nothing delayed still draining. A leader among them that reaches
// a quorum must then keep its office.
func (q *quorumWatch) steadyNetwork(addrs []harness.Addr) bool {
	w := q.c.World
	net := w.Network()
	if !q.roomy() || net != q.cfg.Network || net.Drop != (harness.Probability{}) || net.Reorder != (harness.Probability{}) || w.DiskConfig() != q.cfg.Disk {
		return false
	}
	for _, a := range addrs {
		if rate := w.Clock(a).Rate(); rate <= -100_000 || rate >= 100_000 || !q.drained(a) {
			return false
		}
	}
	return true
}

// reachesQuorum reports whether the leader at a has working links both
// ways to enough running nodes to make a quorum with itself.
// stillVoter says the node at a is a voter of its configuration: a leader
// removed from it steps down once the removal commits (thesis §4.2.2),
// which is no CheckQuorum step-down.
func (q *quorumWatch) stillVoter(a harness.Addr) bool {
	id, _ := q.c.Peers.ID(a)
	n := q.c.Node(id)
	return n != nil && n.ConfState().IsVoter(id)
}

func (q *quorumWatch) reachesQuorum(a harness.Addr) bool {
	w := q.c.World
	id, _ := q.c.Peers.ID(a)
	n := q.c.Node(id)
	if n == nil {
		return false
	}
	// A quorum of the configuration the leader has in force: CheckQuorum
	// counts that one.
	return invariant.HasQuorum(n.ConfState(), func(peer uint64) bool {
		b := q.c.Addr(peer)
		return b == a || w.State(b) == harness.NodeUp && !w.IsCut(a, b) && !w.IsCut(b, a)
	})
}

func (q *quorumWatch) result(enabled bool) checker.Result {
	switch {
	case !enabled:
		return checker.Result{Valid: checker.Valid, Summary: "not checked: CheckQuorum is off"}
	case q.first != "":
		return checker.Result{Valid: checker.Invalid, Summary: q.first}
	case q.spurious != "":
		return checker.Result{Valid: checker.Invalid, Summary: q.spurious}
	}
	return checker.Result{Valid: checker.Valid, Summary: "every leader cut off from a quorum, or outlived by a newer one, stepped down within two and a half election timeouts, and none that could reach a quorum did"}
}
