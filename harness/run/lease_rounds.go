package run

import (
	"cmp"
	"slices"
	"time"

	"raftcheck/harness"
)

// leaseRounds checks a lease against the argument that makes it sound,
// in true time, whatever the followers happened to do.
//
// Clocks are read without their jumps (harness.Clock.Monotonic): a
// follower's promise runs on its timers, which a jump does not move.
//
// A lease granted by a round registered at true time t0 rests on this: a
// majority acknowledged a heartbeat sent after t0, and a follower that
// heard from its leader refuses to vote until its clock has run an
// election timeout's worth of ticks, at least ElectionTick-1 tick
// intervals of its own clock after the message (the first tick may fire
// at once). So the lease holds only while a majority of the voters (the
// leader among them) have clocks that ran less than that since t0. A
// lease that lasts longer is wrong by design, though followers that heard
// later messages, or whose ticks fell late, may have kept it safe by luck
// in this run: this catches a lease a tick too long, or computed without
// its drift margin, or from the wrong instant, on any read in its last
// milliseconds, not only on one that races a new leader's write.
type leaseRounds struct {
	world *harness.World
	nodes []harness.Addr
	// counted are the nodes whose promises a leader's lease rests on:
	// the voters of its configuration (the outgoing ones while it is
	// joint, as invariant.Checker.LeaseQuorum counts).
	counted func(leader, a harness.Addr) bool
	promise time.Duration // (ElectionTick-1) tick intervals
	// maxDrift is how much faster than the leader's any clock may run
	// (kv.Config.MaxDrift): the margin a lease must leave by its own
	// clock, whatever the clocks actually did in this run.
	maxDrift harness.PPM
	// started[leader][probe] are every node's clock readings when the
	// leader registered the probe; rounds older than the one a lease read
	// names are dropped, since leases only move forward.
	started map[harness.Addr]map[uint64][]time.Duration
}

func newLeaseRounds(world *harness.World, nodes []harness.Addr, counted func(leader, a harness.Addr) bool, cfg Config) *leaseRounds {
	return &leaseRounds{
		world: world, nodes: nodes, counted: counted,
		promise:  time.Duration(cfg.Raft.ElectionTick-1) * cfg.Raft.TickInterval,
		maxDrift: cfg.Server.MaxDrift,
		started:  map[harness.Addr]map[uint64][]time.Duration{},
	}
}

// probe records the clocks as leader registers a probe.
func (l *leaseRounds) probe(leader harness.Addr, probe uint64) {
	now := l.world.Now()
	readings := make([]time.Duration, len(l.nodes))
	for i, a := range l.nodes {
		readings[i] = l.world.Clock(a).Monotonic(now)
	}
	if l.started[leader] == nil {
		l.started[leader] = map[uint64][]time.Duration{}
	}
	l.started[leader][probe] = readings
}

// bound counts the voters still bound by the round probe of leader: the
// leader, nodes down (they cannot vote), and nodes whose clocks have run
// less than the promise since the round began. known is false when the
// round was never seen (the lease then is judged by the other check).
func (l *leaseRounds) bound(leader harness.Addr, probe uint64) (bound int, known bool) {
	bound, _, known = l.margin(leader, probe)
	return bound, known
}

// margin is bound, and how much of the promise the voter that makes
// enough voters bound has left, as a fraction (negative: the lease outlived it; 1
// when the leader and nodes down are a majority alone).
func (l *leaseRounds) margin(leader harness.Addr, probe uint64) (bound int, left float64, known bool) {
	rounds := l.started[leader]
	readings, ok := rounds[probe]
	if !ok {
		return 0, 0, false
	}
	for p := range rounds {
		if p < probe {
			delete(rounds, p)
		}
	}
	now := l.world.Now()
	always, voters := 0, 0
	var remaining []time.Duration
	for i, a := range l.nodes {
		if !l.counted(leader, a) {
			continue
		}
		voters++
		if a == leader || l.world.State(a) == harness.NodeDown {
			always++
			continue
		}
		rest := l.promise - (l.world.Clock(a).Monotonic(now) - readings[i])
		if rest > 0 {
			bound++
		}
		remaining = append(remaining, rest)
	}
	bound += always
	// The lease holds while those not bound are no majority
	// (invariant.LeaseHolds).
	need := voters - voters/2
	if always >= need {
		return bound, 1, true
	}
	slices.SortFunc(remaining, func(a, b time.Duration) int { return cmp.Compare(b, a) })
	return bound, float64(remaining[need-always-1]) / float64(l.promise), true
}

// ownClock is how long the leader's own clock has run since it registered
// probe, and the longest a lease from that round may last by it: a
// follower's clock may run maxDrift faster, so its promise, the same
// number of its own ticks, may end after promise / (1 + maxDrift) of the
// leader's time. A read beyond that is unsound by the bound the service
// promises to respect, even in a run whose clocks kept perfect time.
func (l *leaseRounds) ownClock(leader harness.Addr, probe uint64) (elapsed, limit time.Duration, known bool) {
	readings, ok := l.started[leader][probe]
	if !ok {
		return 0, 0, false
	}
	for i, a := range l.nodes {
		if a == leader {
			elapsed = l.world.Clock(a).Monotonic(l.world.Now()) - readings[i]
			limit = time.Duration(float64(l.promise) / (1 + float64(l.maxDrift)/1e6))
			return elapsed, limit, true
		}
	}
	return 0, 0, false
}
