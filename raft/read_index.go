package raft

import (
	"fmt"
	"slices"

	"raftcheck/raft/quorum"
)

// This file is the leader's side of linearizable reads without log entries:
// the ReadIndex algorithm of the dissertation, §6.4. A read served at
// index i is linearizable if i is at least every index committed anywhere
// before the read was requested. The leader finds such an i without
// appending anything:
//
//  1. It waits until it has committed an entry of its own term: only then
//     is its commit index at least every index any earlier leader
//     committed (Leader Completeness gives it the entries; committing its
//     own entry after them proves they are committed).
//  2. It takes its commit index as the read index.
//  3. It confirms it was still the leader after the request arrived: a
//     majority acknowledges a heartbeat sent after that. No leader of a
//     later term can have committed anything before those heartbeats went
//     out, since its electing majority would share a member with ours, and
//     that member would have moved past our term before acknowledging.
//
// The caller then waits until its state machine has applied the read index
// and serves the read from it (steps 4 and 5 are the caller's).
//
// Rounds tie heartbeats to reads. Each registered read gets a new round
// number; every heartbeat carries the latest round issued; a follower
// echoes it. An acknowledgement of round k therefore answers a heartbeat
// sent after every read of round <= k was registered, and confirms those
// reads, never later ones.

// ReadState is the outcome of a ReadIndex request, handed out in
// Ready.ReadStates.
type ReadState struct {
	// Index is the read index: the leader's commit index when the request
	// was registered (which, for a request made before the leader had
	// committed an entry of its term, is when it first did). Serve the
	// read once the state machine has applied Index. 0 when Lost.
	Index uint64
	// RequestCtx is the ctx the caller passed to ReadIndex.
	RequestCtx uint64
	// Lost means the node stopped being leader, or its term changed,
	// before the read was confirmed. Nothing is known about it; the
	// caller must retry it elsewhere.
	Lost bool
}

// pendingRead is a registered read waiting for a majority to acknowledge
// its round.
type pendingRead struct {
	ctx   uint64
	index uint64
	round uint64
}

// readOnly is the leader's bookkeeping for ReadIndex.
//
// Round numbering: round counts ReadIndex registrations for the life of the
// node (of this RawNode; a restart starts again at 0). It never goes back,
// across terms and roles, so a round is never issued twice in one term
// (nor in any two stints as leader of this process). A restarted node
// cannot reuse an old term's rounds either: it is a follower in its
// recovered term and can only lead a later one, and acknowledgements carry
// their term (acks from other terms never reach stepLeader).
//
// Invariants, while leader:
//
//	held is non-empty only until an entry of the leader's term commits
//	pending is in increasing round order, every round <= round
//	acks[leader] is the round of the last read registered in this term
//	acks[id] <= round, and is the highest round id acknowledged in this
//	  term while some read was pending (acks arriving with nothing
//	  pending are not recorded: no later read can use them)
type readOnly struct {
	round   uint64
	held    []uint64 // ctxs waiting for step 1, in arrival order
	pending []pendingRead
	// acks maps a voter to the highest round it has acknowledged in the
	// current term. quorum's majority arithmetic applies to rounds as it
	// does to log indexes: the value at least a majority has reached.
	acks quorum.MapAckIndexer
}

// readIndex handles a ReadIndex request on this node.
func (r *raft) readIndex(ctx uint64) error {
	if r.state != StateLeader {
		// Never forwarded: a follower's caller can ask the leader itself.
		return &NotLeaderError{Leader: r.lead}
	}
	if !r.committedInTerm() {
		// §6.4 step 1: our commit index may still be below what an
		// earlier leader committed. Hold the read until our no-op
		// commits (becomeLeader appended it, so that will not wait for
		// a client).
		r.reads.held = append(r.reads.held, ctx)
		return nil
	}
	r.registerRead(ctx)
	r.bcastHeartbeat()
	r.releaseConfirmedReads()
	return nil
}

// committedInTerm reports whether the leader has committed an entry of its
// own term. A leader only ever commits entries of its term (maybeCommit),
// and they stay committed, so it is enough to look at the commit index.
func (r *raft) committedInTerm() bool {
	t, ok := r.log.term(r.log.committed)
	return ok && t == r.term
}

// registerRead gives a read the current commit index and a new round. The
// leader acknowledges its own round at once: it counts itself in the
// majority (it is the leader at this moment).
func (r *raft) registerRead(ctx uint64) {
	if r.reads.acks == nil {
		r.reads.acks = make(quorum.MapAckIndexer, len(r.trk.IDs()))
	}
	r.reads.round++
	r.reads.pending = append(r.reads.pending, pendingRead{ctx: ctx, index: r.log.committed, round: r.reads.round})
	r.reads.acks[r.id] = r.reads.round
}

// registerHeldReads registers the reads held back by step 1. Called when
// the commit index advances on the leader, i.e. once an entry of its term
// has committed; they get that commit index, each a new round.
func (r *raft) registerHeldReads() {
	if len(r.reads.held) == 0 {
		return
	}
	for _, ctx := range r.reads.held {
		r.registerRead(ctx)
	}
	r.reads.held = nil
	r.bcastHeartbeat()
	r.releaseConfirmedReads()
}

// checkReadAck rejects an acknowledgement of a round this node never
// issued. A follower echoes the heartbeat it answers, and heartbeats only
// carry issued rounds, so such an ack is malformed; counting it could
// confirm reads no heartbeat was sent for.
func (r *raft) checkReadAck(m Message) error {
	if m.Context > r.reads.round {
		return fmt.Errorf("%w: %s acknowledges read round %d, only %d issued", ErrMalformedMessage, m, m.Context, r.reads.round)
	}
	return nil
}

// ackRead records that from acknowledged round in the current term (Step
// delivers only responses of our term to stepLeader) and releases the reads
// a majority has now confirmed. An older round than one already recorded is
// a late or duplicated response and changes nothing.
func (r *raft) ackRead(from, round uint64) {
	if round == 0 || len(r.reads.pending) == 0 {
		// Round 0 confirms nothing (rounds start at 1); with nothing
		// pending, an ack can only be for reads already confirmed,
		// and every future read gets a round above it.
		return
	}
	if round > r.reads.acks[from] {
		r.reads.acks[from] = round
	}
	r.releaseConfirmedReads()
}

// releaseConfirmedReads hands out, in registration order, every pending
// read whose round a majority (the leader included) has acknowledged, or
// passed: an ack of a later round answers a heartbeat sent after the
// earlier read was registered too.
func (r *raft) releaseConfirmedReads() {
	confirmed := r.trk.Voters.CommittedIndex(r.reads.acks)
	n := 0
	for n < len(r.reads.pending) && r.reads.pending[n].round <= confirmed {
		p := r.reads.pending[n]
		r.readStates = append(r.readStates, ReadState{Index: p.index, RequestCtx: p.ctx})
		n++
	}
	r.reads.pending = slices.Delete(r.reads.pending, 0, n)
}

// abandonReads reports every held or pending read as lost. Called on any
// role or term change: the acknowledgements gathered so far prove nothing
// about a later term, and a node that no longer leads cannot collect more.
// The caller learns at once, and can retry elsewhere, instead of waiting
// for an answer that will never come. Reads already confirmed stay
// confirmed: their index was valid when confirmed and stays valid.
func (r *raft) abandonReads() {
	for _, p := range r.reads.pending {
		r.readStates = append(r.readStates, ReadState{RequestCtx: p.ctx, Lost: true})
	}
	for _, ctx := range r.reads.held {
		r.readStates = append(r.readStates, ReadState{RequestCtx: ctx, Lost: true})
	}
	r.reads.pending = nil
	r.reads.held = nil
	clear(r.reads.acks)
}
