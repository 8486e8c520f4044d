package run

import (
	"fmt"
	"time"

	"raftcheck/checker"
	"raftcheck/harness"
	"raftcheck/harness/invariant"
	"raftcheck/harness/kv"
	"raftcheck/harness/raftnode"
)

// oracles see what clients may not: the simulator knows every node's
// state at every instant. They are the kv service's Watcher.
//
//   - Read freshness: a read answered by ReadIndex or a lease must reflect
//     every entry committed anywhere before it arrived. A client sees a
//     stale read only if it happened to read a key right after a write
//     that completed; the oracle sees every one, on every key, and a lease
//     that outlives its leadership by a few milliseconds is caught even
//     when no client raced it.
//   - Replica digests: replicas that applied the same index hold the same
//     state-machine digest (kv.Store.Digest).
//   - Lease safety: when a leader decides to answer from its lease, a
//     majority of the voters must be unable to vote for anyone else at
//     that instant (invariant.Checker.LeaseQuorum). A lease a few
//     milliseconds too long breaks this at its last milliseconds, whether
//     or not another leader happened to be elected and to commit a write
//     in them. Nor may a lease outlive the argument that grants it
//     (leaseRounds).
type oracles struct {
	world      *harness.World
	peers      raftnode.Peers
	cov        *coverage
	invariants *invariant.Checker // set once the cluster is built
	rounds     *leaseRounds       // likewise
	once       exactlyOnce
	witness    witnessLog

	leaseReads  int
	firstUnsafe *unsafeLease

	reads      int
	staleReads int
	firstStale *staleRead

	// digests[i-1-digestsBase] is the digest first reported at index i,
	// and by whom. The indexes up to digestsBase are forgotten (a day's
	// run applies millions): a replica applying one of them again would
	// have to replay a log hours long, past every fault the run has.
	digests     []reportedDigest
	digestsBase uint64
	diverged    int
	firstSplit  *digestSplit
	// snapshots maps an index to the hash of the state a node snapshotted
	// there; badSnapshot is the first snapshot that does not restore the
	// state it was taken from, or a load of one into another state.
	snapshots   map[uint64]uint64
	badSnapshot *snapshotSplit
}

// keptDigests is how many of the latest indexes the replica-digest oracle
// keeps at least.
const keptDigests = 1 << 20

// snapshotSplit is the first unfaithful snapshot, in results.json.
type snapshotSplit struct {
	Index    uint64  `json:"index"`
	Node     string  `json:"node"`
	What     string  `json:"what"`
	AtSecond float64 `json:"at_s"`
}

type reportedDigest struct {
	digest uint64
	node   harness.Addr
}

// staleRead is the first read the oracle caught, in results.json.
type staleRead struct {
	Node     string  `json:"node"`
	Key      string  `json:"key"`
	How      string  `json:"how"`
	Term     uint64  `json:"term"`
	Index    uint64  `json:"read_index"`
	Applied  uint64  `json:"applied"`
	Floor    uint64  `json:"committed_when_it_arrived"`
	AtSecond float64 `json:"at_s"`
}

// unsafeLease is the first lease read without a majority behind it, in
// results.json.
type unsafeLease struct {
	Node     string `json:"node"`
	Term     uint64 `json:"term"`
	Refusing int    `json:"voters_bound"`
	Voters   int    `json:"voters"`
	// NewerTerm is a later term whose leader had already been elected (0:
	// none; the lease lacked a majority).
	NewerTerm uint64 `json:"newer_term,omitempty"`
	// RoundBound, when set, is how many voters the round that granted the
	// lease still bound: the lease outlived its own argument (leaseRounds).
	RoundBound int `json:"round_bound,omitempty"`
	// OwnClock, when set, is how long the leader's own clock had run
	// since the round that granted the lease, beyond OwnLimit, the longest
	// a lease may last by it when clocks may drift by the bound.
	OwnClock string  `json:"own_clock,omitempty"`
	OwnLimit string  `json:"own_limit,omitempty"`
	AtSecond float64 `json:"at_s"`
}

// digestSplit is the first divergence, in results.json.
type digestSplit struct {
	Index    uint64  `json:"index"`
	Node     string  `json:"node"`
	Other    string  `json:"first_reported_by"`
	AtSecond float64 `json:"at_s"`
}

var _ kv.Watcher = (*oracles)(nil)

func (o *oracles) CommittedAnywhere() uint64 {
	if o.invariants == nil {
		return 0
	}
	return uint64(o.invariants.Committed())
}

func (o *oracles) ReadServed(r kv.ServedRead) {
	o.reads++
	if o.cov != nil {
		o.cov.read(r.How, r.Term)
	}
	if r.Applied >= r.Floor && r.Index >= r.Floor {
		return
	}
	o.staleReads++
	if o.firstStale == nil {
		o.firstStale = &staleRead{
			Node: o.world.Name(r.Node), Key: r.Key, How: r.How, Term: r.Term,
			Index: r.Index, Applied: r.Applied, Floor: r.Floor, AtSecond: o.world.Now().Seconds(),
		}
		o.world.Note("oracle: stale read of %s by %s at applied %d, %d committed when it arrived", r.Key, o.world.Name(r.Node), r.Applied, r.Floor)
	}
}

func (o *oracles) LeaseProbe(node harness.Addr, probe uint64) {
	if o.rounds != nil {
		o.rounds.probe(node, probe)
	}
}

func (o *oracles) LeaseRead(node harness.Addr, term, probe uint64) {
	o.leaseReads++
	id, ok := o.peers.ID(node)
	if !ok || o.invariants == nil || o.firstUnsafe != nil {
		return
	}
	refusing, voters, newer := o.invariants.LeaseQuorum(id, term)
	byRound, known, left := 0, false, 0.0
	var elapsed, limit time.Duration
	ownKnown := false
	if o.rounds != nil {
		elapsed, limit, ownKnown = o.rounds.ownClock(node, probe)
		byRound, left, known = o.rounds.margin(node, probe)
	}
	if known && o.cov != nil {
		// How close to its end the lease was used: what guided soaks
		// steer towards.
		o.cov.reach("lease/read-margin=%s", marginBucket(left))
	}
	outlived := known && !invariant.LeaseHolds(byRound, voters)
	overMargin := ownKnown && elapsed >= limit
	if invariant.LeaseHolds(refusing, voters) && newer == 0 && !outlived && !overMargin {
		return
	}
	o.firstUnsafe = &unsafeLease{Node: o.world.Name(node), Term: term, Refusing: refusing, Voters: voters, NewerTerm: newer, AtSecond: o.world.Now().Seconds()}
	switch {
	case overMargin && newer == 0 && invariant.LeaseHolds(refusing, voters) && !outlived:
		o.firstUnsafe.OwnClock, o.firstUnsafe.OwnLimit = elapsed.String(), limit.String()
		o.world.Note("oracle: %s answered from its lease of term %d %v after the round that granted it, by its own clock; a lease may last %v", o.world.Name(node), term, elapsed, limit)
	case outlived && newer == 0 && invariant.LeaseHolds(refusing, voters):
		o.firstUnsafe.RoundBound = byRound
		o.world.Note("oracle: %s answered from its lease of term %d when only %d of %d voters' clocks had run less than the promise since the round that granted it", o.world.Name(node), term, byRound, voters)
	case newer > 0:
		o.world.Note("oracle: %s answered from its lease of term %d after a leader of term %d was elected", o.world.Name(node), term, newer)
	default:
		o.world.Note("oracle: %s answered from its lease of term %d while only %d of %d voters were bound not to elect another leader", o.world.Name(node), term, refusing, voters)
	}
}

// maxDrift is the drift bound the leases were judged by.
func (o *oracles) maxDrift() harness.PPM {
	if o.rounds == nil {
		return 0
	}
	return o.rounds.maxDrift
}

// marginBucket names how much of its promise a lease had left.
func marginBucket(left float64) string {
	switch {
	case left <= 0:
		return "outlived"
	case left < 0.1:
		return "<10%"
	case left < 0.25:
		return "10-25%"
	case left < 0.5:
		return "25-50%"
	}
	return ">50%"
}

func (o *oracles) Expired(node harness.Addr, index uint64, clock int64, sessions []uint64) {
	o.once.expire(o.world, index, clock, sessions)
}

func (o *oracles) SnapshotTaken(node harness.Addr, index, state, restored uint64) {
	if o.snapshots == nil {
		o.snapshots = map[uint64]uint64{}
	}
	if _, ok := o.snapshots[index]; !ok {
		o.snapshots[index] = state
	}
	if restored != state {
		o.snapshotSplit(node, index, "took a snapshot that restores a state other than the one it was taken from")
	}
}

func (o *oracles) SnapshotLoaded(node harness.Addr, index, state uint64) {
	if want, ok := o.snapshots[index]; ok && want != state {
		o.snapshotSplit(node, index, "loaded a snapshot into a state other than the one the snapshot was taken from")
	}
}

func (o *oracles) snapshotSplit(node harness.Addr, index uint64, what string) {
	o.diverged++
	if o.badSnapshot == nil {
		o.badSnapshot = &snapshotSplit{Index: index, Node: o.world.Name(node), What: what, AtSecond: o.world.Now().Seconds()}
		o.world.Note("oracle: %s %s at index %d", o.world.Name(node), what, index)
	}
}

func (o *oracles) Applied(node harness.Addr, index, digest uint64, clock int64, out *kv.Outcome) {
	if index == 0 {
		return
	}
	if index > o.digestsBase+uint64(len(o.digests)) {
		if out != nil {
			o.once.applied(o.world, index, clock, *out)
			o.witness.command(index, *out)
		}
		// Indexes are applied in order by each node, so the first report
		// of a new index is always the next one.
		o.digests = append(o.digests, reportedDigest{digest: digest, node: node})
		if len(o.digests) >= 2*keptDigests {
			drop := len(o.digests) - keptDigests
			o.digests = append(make([]reportedDigest, 0, 2*keptDigests), o.digests[drop:]...)
			o.digestsBase += uint64(drop)
		}
		return
	}
	if index <= o.digestsBase {
		return // forgotten
	}
	first := o.digests[index-1-o.digestsBase]
	if first.digest == digest {
		return
	}
	o.diverged++
	if o.firstSplit == nil {
		o.firstSplit = &digestSplit{Index: index, Node: o.world.Name(node), Other: o.world.Name(first.node), AtSecond: o.world.Now().Seconds()}
		o.world.Note("oracle: %s's state machine differs from %s's after index %d", o.world.Name(node), o.world.Name(first.node), index)
	}
}

// results are the oracles' verdicts. A run stopped early by a safety
// violation still reports what the oracles saw until then.
func (o *oracles) results(mode kv.ReadMode) checker.Results {
	rs := checker.Results{}
	switch {
	case mode == kv.ReadLocal:
		rs["read-freshness"] = checker.Result{Valid: checker.Valid, Summary: "not checked: local reads promise no freshness"}
	case o.firstStale != nil:
		s := o.firstStale
		rs["read-freshness"] = checker.Result{Valid: checker.Invalid, Details: s, Summary: fmt.Sprintf(
			"%d of %d reads were answered from a state older than what was committed when they arrived, or waited for a read index older than that; the first: %s answered a %s read of %s at %.3fs in term %d at read index %d from applied index %d, while index %d was committed when it arrived",
			o.staleReads, o.reads, s.Node, s.How, s.Key, s.AtSecond, s.Term, s.Index, s.Applied, s.Floor)}
	default:
		rs["read-freshness"] = checker.Result{Valid: checker.Valid, Summary: fmt.Sprintf("every one of %d reads reflected everything committed when it arrived", o.reads)}
	}
	switch s := o.firstUnsafe; {
	case mode != kv.ReadLease:
		rs["lease-safety"] = checker.Result{Valid: checker.Valid, Summary: "not checked: no lease reads"}
	case s != nil && s.OwnClock != "":
		rs["lease-safety"] = checker.Result{Valid: checker.Invalid, Details: s, Summary: fmt.Sprintf(
			"%s answered a read from its lease of term %d at %.3fs, %s after the round that granted the lease began by its own clock: past %s, the longest a lease may last when a follower's clock may run %d ppm faster (its promise is ElectionTick-1 of its own ticks)",
			s.Node, s.Term, s.AtSecond, s.OwnClock, s.OwnLimit, o.maxDrift())}
	case s != nil && s.RoundBound > 0:
		rs["lease-safety"] = checker.Result{Valid: checker.Invalid, Details: s, Summary: fmt.Sprintf(
			"%s answered a read from its lease of term %d at %.3fs when only %d of %d voters (itself and nodes down included) had clocks that ran less than ElectionTick-1 ticks since the round that granted the lease began: the lease outlived what that round bought",
			s.Node, s.Term, s.AtSecond, s.RoundBound, s.Voters)}
	case s != nil && s.NewerTerm > 0:
		rs["lease-safety"] = checker.Result{Valid: checker.Invalid, Details: s, Summary: fmt.Sprintf(
			"%s answered a read from its lease of term %d at %.3fs, after a leader of term %d had been elected",
			s.Node, s.Term, s.AtSecond, s.NewerTerm)}
	case s != nil:
		rs["lease-safety"] = checker.Result{Valid: checker.Invalid, Details: s, Summary: fmt.Sprintf(
			"%s answered a read from its lease of term %d at %.3fs while only %d of %d voters (itself, nodes down, and nodes that heard from a leader within an election timeout) were bound not to elect another leader: a majority could have elected one",
			s.Node, s.Term, s.AtSecond, s.Refusing, s.Voters)}
	default:
		rs["lease-safety"] = checker.Result{Valid: checker.Valid, Summary: fmt.Sprintf("every one of %d lease reads had a majority of voters bound not to elect another leader", o.leaseReads)}
	}
	rs["exactly-once"] = o.once.result()
	if s := o.badSnapshot; s != nil && (o.firstSplit == nil || s.AtSecond <= o.firstSplit.AtSecond) {
		rs["replica-digest"] = checker.Result{Valid: checker.Invalid, Details: s, Summary: fmt.Sprintf(
			"a snapshot is not the state it stands for: %s %s at index %d (at %.3fs); replicas' state machines diverged at %d indexes",
			s.Node, s.What, s.Index, s.AtSecond, o.diverged)}
	} else if s := o.firstSplit; s != nil {
		rs["replica-digest"] = checker.Result{Valid: checker.Invalid, Details: s, Summary: fmt.Sprintf(
			"replicas' state machines diverged at %d indexes; the first: %s's digest after index %d differs from %s's (at %.3fs)",
			o.diverged, s.Node, s.Index, s.Other, s.AtSecond)}
	} else {
		rs["replica-digest"] = checker.Result{Valid: checker.Valid, Summary: fmt.Sprintf("every replica's state machine agreed at each of %d indexes", o.digestsBase+uint64(len(o.digests)))}
	}
	return rs
}
