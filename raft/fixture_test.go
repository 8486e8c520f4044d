package raft

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// This file builds single nodes for unit tests that drive one raft directly
// (Step, tick, read its outgoing messages) without a network.

// testOptions are the knobs tests turn; zero values get defaults.
type testOptions struct {
	electionTick  int
	heartbeatTick int
	preVote       bool
	checkQuorum   bool
	maxInflight   int
	maxEntries    int
	maxChunk      int
	// The flow control bounds, in payload bytes (0: none).
	maxMsgBytes, maxUncommitted, maxCommittedPerReady uint64
	// snapshotEvery, when positive, makes a test network's nodes compact
	// their logs every that many applied entries.
	snapshotEvery int
	// voters, when set, is the initial configuration; the other nodes of
	// a test network wait to be added.
	voters []uint64
	// churn makes the chaos test's leader propose random configuration
	// changes too.
	churn bool
	seed  uint64
	// bootLease keeps the boot lease of freshly started nodes, which the
	// test network otherwise skips.
	bootLease bool
}

func (o testOptions) config(id uint64, peers []uint64) Config {
	if o.electionTick == 0 {
		o.electionTick = 10
	}
	if o.heartbeatTick == 0 {
		o.heartbeatTick = 1
	}
	if o.maxInflight == 0 {
		o.maxInflight = 256
	}
	if o.maxEntries == 0 {
		o.maxEntries = 64
	}
	if o.maxChunk == 0 {
		o.maxChunk = 1 << 16
	}
	return Config{
		ID:               id,
		Peers:            peers,
		ElectionTick:     o.electionTick,
		HeartbeatTick:    o.heartbeatTick,
		PreVote:          o.preVote,
		CheckQuorum:      o.checkQuorum,
		MaxInflightMsgs:  o.maxInflight,
		MaxEntriesPerMsg: o.maxEntries,
		MaxSnapshotChunk: o.maxChunk,

		MaxMsgBytes:               o.maxMsgBytes,
		MaxUncommittedBytes:       o.maxUncommitted,
		MaxCommittedBytesPerReady: o.maxCommittedPerReady,
		// One independent stream per node, all derived from the seed.
		Rand: rand.New(rand.NewPCG(o.seed, id)),
	}
}

// ids returns 1..n.
func ids(n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = uint64(i + 1)
	}
	return out
}

// newTestRaft builds node id of a cluster of peers, recovering hs and log.
func newTestRaft(t testing.TB, id uint64, peers []uint64, o testOptions, hs HardState, log []Entry) *raft {
	t.Helper()
	cfg := o.config(id, peers)
	cfg.HardState = hs
	cfg.Entries = log
	r, err := newRaft(&cfg)
	require.NoError(t, err)
	if !o.bootLease {
		r.leaseElapsed = r.electionTimeout // see network.restart
	}
	return r
}

// entries builds a log from 1 whose entry i has term terms[i-1].
func entries(terms ...uint64) []Entry {
	out := make([]Entry, len(terms))
	for i, t := range terms {
		out[i] = Entry{Index: uint64(i + 1), Term: t}
	}
	return out
}

// readMessages takes the messages r queued.
func (r *raft) readMessages() []Message {
	msgs := r.msgs
	r.msgs = nil
	return msgs
}

// persistAll plays the caller: everything in the log is handed out and
// confirmed durable, as Ready followed by Advance would.
func (r *raft) persistAll() {
	r.log.acceptUnstable()
	r.persistedTo(r.log.lastIndex(), r.log.lastTerm())
}

// becomeLeaderNow makes r leader of its next term without an election and
// persists the no-op, for tests about leaders.
func (r *raft) becomeLeaderNow() {
	r.becomeCandidate()
	r.becomeLeader()
	r.persistAll()
	r.readMessages()
}

// logTerms returns the terms of r's entries, from its first.
func (r *raft) logTerms() []uint64 { return r.termsFrom(r.log.firstIndex()) }

// termsFrom returns the terms of r's entries from index from on.
func (r *raft) termsFrom(from uint64) []uint64 {
	var out []uint64
	for i := from; i <= r.log.lastIndex(); i++ {
		t, _ := r.log.term(i)
		out = append(out, t)
	}
	return out
}

// ofType returns the messages of type t.
func ofType(msgs []Message, t MessageType) []Message {
	var out []Message
	for _, m := range msgs {
		if m.Type == t {
			out = append(out, m)
		}
	}
	return out
}
