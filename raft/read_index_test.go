package raft

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tests for ReadIndex (thesis §6.4, read_index.go). Unit tests drive node 1
// directly; the network tests run whole clusters.

// newReadLeader returns node 1 as leader of term 1 in a cluster of size,
// with its no-op (index 1) committed and its outbox empty.
func newReadLeader(t *testing.T, size int) *raft {
	t.Helper()
	r := newTestRaft(t, 1, ids(size), testOptions{}, HardState{}, nil)
	r.becomeLeaderNow()
	for id := uint64(2); !r.committedInTerm(); id++ {
		require.NoError(t, r.Step(Message{Type: MsgAppResp, From: id, To: 1, Term: r.term, Index: 1}))
	}
	r.readMessages()
	require.Empty(t, r.takeReadStates())
	return r
}

// takeReadStates takes the ReadStates r queued for the next Ready.
func (r *raft) takeReadStates() []ReadState {
	rs := r.readStates
	r.readStates = nil
	return rs
}

// hbResp is node from's answer, in term, to a heartbeat carrying round.
func hbResp(from, term, round uint64) Message {
	return Message{Type: MsgHeartbeatResp, From: from, To: 1, Term: term, Context: round}
}

func confirmed(index uint64, ctxs ...uint64) []ReadState {
	var out []ReadState
	for _, c := range ctxs {
		out = append(out, ReadState{Index: index, RequestCtx: c})
	}
	return out
}

func lost(ctxs ...uint64) []ReadState {
	var out []ReadState
	for _, c := range ctxs {
		out = append(out, ReadState{RequestCtx: c, Lost: true})
	}
	return out
}

// Only the leader serves reads, and never forwards them: anyone else
// refuses, names the leader it knows, and queues nothing.
func TestReadIndexOnlyOnLeader(t *testing.T) {
	tests := []struct {
		name       string
		setup      func(r *raft)
		wantLeader uint64
	}{
		{"follower knowing the leader", func(r *raft) { r.becomeFollower(1, 2) }, 2},
		{"follower without leader", func(r *raft) { r.becomeFollower(1, None) }, None},
		{"pre-candidate", func(r *raft) { r.becomePreCandidate() }, None},
		{"candidate", func(r *raft) { r.becomeCandidate() }, None},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{}, nil)
			tt.setup(r)
			r.readMessages()
			err := r.readIndex(7)
			require.ErrorIs(t, err, ErrNotLeader)
			var nle *NotLeaderError
			require.ErrorAs(t, err, &nle)
			assert.Equal(t, tt.wantLeader, nle.Leader)
			assert.Empty(t, r.readMessages(), "never forwarded")
			assert.Empty(t, r.takeReadStates())
			assert.Empty(t, r.reads.held)
			assert.Empty(t, r.reads.pending)
		})
	}
}

// Rule 1 and 2: a read is registered with the commit index of the moment
// and a new round; the leader broadcasts heartbeats carrying that round,
// and every later heartbeat, periodic ones included, carries the latest
// round. The read index stays the registration-time commit index even if
// the commit index moves on before the read is confirmed.
func TestReadIndexRegistersCommitIndexAndRound(t *testing.T) {
	r := newReadLeader(t, 3)
	require.NoError(t, r.readIndex(100))
	assert.Equal(t, []pendingRead{{ctx: 100, index: 1, round: 1}}, r.reads.pending)
	hbs := r.readMessages()
	require.Len(t, hbs, 2)
	for i, m := range hbs {
		assert.Equal(t, MsgHeartbeat, m.Type)
		assert.Equal(t, uint64(i+2), m.To)
		assert.Equal(t, uint64(1), m.Context)
	}

	// A write commits index 2 before the read is confirmed.
	idx, _, err := r.propose([]byte("w"))
	require.NoError(t, err)
	r.persistAll()
	require.NoError(t, r.Step(Message{Type: MsgAppResp, From: 2, To: 1, Term: 1, Index: idx}))
	require.Equal(t, idx, r.log.committed)
	r.readMessages()

	require.NoError(t, r.readIndex(200))
	assert.Equal(t, []pendingRead{{ctx: 100, index: 1, round: 1}, {ctx: 200, index: idx, round: 2}}, r.reads.pending)
	for _, m := range ofType(r.readMessages(), MsgHeartbeat) {
		assert.Equal(t, uint64(2), m.Context)
	}

	// Periodic heartbeats carry the latest round.
	for range r.heartbeatTimeout {
		r.tick()
	}
	periodic := ofType(r.readMessages(), MsgHeartbeat)
	require.Len(t, periodic, 2)
	for _, m := range periodic {
		assert.Equal(t, uint64(2), m.Context)
	}

	require.NoError(t, r.Step(hbResp(2, 1, 2)))
	assert.Equal(t, append(confirmed(1, 100), confirmed(idx, 200)...), r.takeReadStates(),
		"each read keeps the commit index of its registration")
}

// Rule 3: a read of round k is confirmed once a majority, the leader
// included, acknowledged a round >= k; an acknowledgement of an earlier
// round confirms nothing later, however many followers send it.
// Confirmed reads come out in registration order.
func TestReadIndexConfirmation(t *testing.T) {
	type ack struct{ from, round uint64 }
	tests := []struct {
		name string
		acks []ack
		want []uint64 // ctxs confirmed; reads 100, 200, 300 have rounds 1, 2, 3
	}{
		{"no acks", nil, nil},
		{"one follower: no majority of five", []ack{{2, 3}}, nil},
		{"same follower twice", []ack{{2, 3}, {2, 3}}, nil},
		{"round 0 from everyone (heartbeats before any read)", []ack{{2, 0}, {3, 0}, {4, 0}, {5, 0}}, nil},
		{"round 1 from two", []ack{{2, 1}, {3, 1}}, []uint64{100}},
		{"round 1 from everyone confirms round 1 only", []ack{{2, 1}, {3, 1}, {4, 1}, {5, 1}}, []uint64{100}},
		{"rounds 1 and 3: the majority reached 1", []ack{{2, 1}, {3, 3}}, []uint64{100}},
		{"rounds 2 and 3 confirm 1 and 2", []ack{{2, 2}, {3, 3}}, []uint64{100, 200}},
		{"round 3 from two confirms all, in order", []ack{{4, 3}, {2, 3}}, []uint64{100, 200, 300}},
		{"a late lower ack does not undo a higher one", []ack{{2, 3}, {2, 1}, {3, 3}}, []uint64{100, 200, 300}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newReadLeader(t, 5)
			for _, ctx := range []uint64{100, 200, 300} {
				require.NoError(t, r.readIndex(ctx))
			}
			for _, a := range tt.acks {
				require.NoError(t, r.Step(hbResp(a.from, 1, a.round)))
			}
			assert.Equal(t, confirmed(1, tt.want...), r.takeReadStates())
			assert.Len(t, r.reads.pending, 3-len(tt.want))
		})
	}
}

// Round isolation: acks that confirmed one read, arriving again late or
// duplicated, do not confirm a read registered after them.
func TestReadIndexOldRoundNeverConfirmsNewerRead(t *testing.T) {
	r := newReadLeader(t, 3)
	require.NoError(t, r.readIndex(100))
	require.NoError(t, r.Step(hbResp(2, 1, 1)))
	require.Equal(t, confirmed(1, 100), r.takeReadStates())

	require.NoError(t, r.readIndex(200))
	for range 3 {
		require.NoError(t, r.Step(hbResp(2, 1, 1)))
		require.NoError(t, r.Step(hbResp(3, 1, 1)))
	}
	assert.Empty(t, r.takeReadStates(), "round-1 acks answer heartbeats sent before read 200")
	require.NoError(t, r.Step(hbResp(3, 1, 2)))
	assert.Equal(t, confirmed(1, 200), r.takeReadStates())
}

// Round isolation across a real network: a heartbeat sent before the read
// was registered is answered after it; that answer must not confirm it.
func TestReadIndexHeartbeatSentBeforeReadDoesNotConfirm(t *testing.T) {
	n := newNetwork(t, 3, testOptions{})
	n.elect(1)
	n.tick(1) // a periodic heartbeat, round 0
	n.handleReadies()
	n.deliverQueued()
	n.handleReadies() // followers answer; the answers are queued
	require.Len(t, ofType(n.queue, MsgHeartbeatResp), 2)

	require.NoError(t, n.nodes[1].rn.ReadIndex(7))
	n.handleReadies() // the read's own heartbeats go out behind the old answers
	n.deliver(n.queue[0])
	n.deliver(n.queue[1])
	n.queue = n.queue[2:]
	n.handleReadies()
	assert.Empty(t, n.nodes[1].reads, "round-0 answers cannot confirm round 1")

	n.stabilize()
	assert.Equal(t, confirmed(1, 7), n.nodes[1].reads)
	n.requireNoStepErrors()
}

// Rounds never repeat: they count up for the life of the node, across
// terms, so an ack can never be mistaken for one of an earlier stint.
func TestReadIndexRoundsAreMonotonicAcrossTerms(t *testing.T) {
	r := newReadLeader(t, 3)
	require.NoError(t, r.readIndex(1))
	require.NoError(t, r.readIndex(2))
	r.becomeFollower(2, None)
	require.Equal(t, lost(1, 2), r.takeReadStates())
	r.becomeLeaderNow() // term 3

	// Before any read of term 3, heartbeats carry the last round issued,
	// 2: harmless, since every read of the term gets a round above it.
	r.tick()
	hbs := ofType(r.readMessages(), MsgHeartbeat)
	require.Len(t, hbs, 2)
	for _, m := range hbs {
		assert.Equal(t, uint64(2), m.Context)
	}
	require.NoError(t, r.Step(Message{Type: MsgAppResp, From: 2, To: 1, Term: 3, Index: r.log.lastIndex()}))
	require.NoError(t, r.readIndex(3))
	assert.Equal(t, []pendingRead{{ctx: 3, index: r.log.committed, round: 3}}, r.reads.pending)

	require.NoError(t, r.Step(hbResp(2, 3, 2)))
	require.NoError(t, r.Step(hbResp(3, 3, 2)))
	assert.Empty(t, r.takeReadStates(), "answers to the term's first heartbeats")
	require.NoError(t, r.Step(hbResp(3, 3, 3)))
	assert.Equal(t, confirmed(r.log.committed, 3), r.takeReadStates())
}

// Rule 4 (§6.4 step 1): a new leader whose commit index still points into
// an earlier term holds reads until its no-op commits, then registers them
// with the new commit index, not the stale one, and a fresh round.
func TestReadIndexHeldUntilLeaderCommitsInItsTerm(t *testing.T) {
	// Entries 1-3 of term 1; only 1 is known committed here, though 2 and
	// 3 may have been committed by the old leader.
	r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{Term: 1, Commit: 1}, entries(1, 1, 1))
	r.becomeLeaderNow() // term 2, no-op at 4
	require.Equal(t, uint64(1), r.log.committed)

	require.NoError(t, r.readIndex(7))
	require.NoError(t, r.readIndex(8))
	assert.Empty(t, r.readMessages(), "no heartbeat round for a held read")
	assert.Empty(t, r.reads.pending)
	// Acks of whatever round cannot confirm a read not yet registered.
	require.NoError(t, r.Step(hbResp(2, 2, 0)))
	require.NoError(t, r.Step(hbResp(3, 2, 0)))
	assert.Empty(t, r.takeReadStates())

	require.NoError(t, r.Step(Message{Type: MsgAppResp, From: 2, To: 1, Term: 2, Index: 4}))
	require.Equal(t, uint64(4), r.log.committed)
	assert.Equal(t, []pendingRead{{ctx: 7, index: 4, round: 1}, {ctx: 8, index: 4, round: 2}}, r.reads.pending)
	for _, m := range ofType(r.readMessages(), MsgHeartbeat) {
		assert.Equal(t, uint64(2), m.Context)
	}
	assert.Empty(t, r.takeReadStates(), "registered, not yet confirmed")

	require.NoError(t, r.Step(hbResp(3, 2, 2)))
	assert.Equal(t, confirmed(4, 7, 8), r.takeReadStates())
}

// Rule 4 end to end: a leader elected with a stale commit index must not
// answer with it. Node 1 holds entries it does not know are committed.
func TestReadIndexNewLeaderDoesNotUseStaleCommit(t *testing.T) {
	n := newNetworkWithLogs(t, testOptions{}, []uint64{1, 1, 1}, []uint64{1, 1, 1}, []uint64{1, 1, 1})
	// Stop the no-op from being acknowledged: the read must wait.
	n.drop = func(m Message) bool { return m.Type == MsgAppResp }
	n.campaign(1)
	require.Equal(t, uint64(0), n.status(1).Commit)
	require.NoError(t, n.nodes[1].rn.ReadIndex(5))
	n.tickAndStabilize(3)
	require.Equal(t, StateLeader, n.status(1).State)
	assert.Empty(t, n.nodes[1].reads)

	n.heal()
	n.tickAndStabilize(1)
	assert.Equal(t, confirmed(4, 5), n.nodes[1].reads, "the read index covers the no-op at 4")
	n.requireNoStepErrors()
}

// Rule 5: a one-node cluster is its own majority; a read comes out in the
// very next Ready, with no message sent. A read made before the no-op is
// durable waits for it.
func TestReadIndexSingleNode(t *testing.T) {
	rn, err := NewRawNode(testOptions{}.config(1, ids(1)))
	require.NoError(t, err)
	rn.raft.hup()
	require.Equal(t, StateLeader, rn.Status().State)
	require.NoError(t, rn.ReadIndex(1), "held: the no-op is not durable yet")

	rd := rn.Ready()
	assert.Empty(t, rd.ReadStates)
	rn.Advance(rd) // the no-op is durable, hence committed
	require.True(t, rn.HasReady())
	rd = rn.Ready()
	assert.Equal(t, confirmed(1, 1), rd.ReadStates)
	rn.Advance(rd)
	for rn.HasReady() {
		rn.Advance(rn.Ready())
	}

	require.NoError(t, rn.ReadIndex(2))
	require.True(t, rn.HasReady(), "HasReady reports ReadStates")
	rd = rn.Ready()
	assert.Equal(t, Ready{ReadStates: confirmed(1, 2)}, rd, "only the read: no entry, no message, no commit")
	rn.Advance(rd)
	assert.False(t, rn.HasReady())
}

// ReadIndex appends nothing and changes nothing about writes: the log,
// commit index and HardState are as before, and only heartbeats go out.
func TestReadIndexDoesNotTouchTheLog(t *testing.T) {
	n := newNetwork(t, 3, testOptions{})
	n.elect(1)
	n.propose(1, "x")
	n.stabilize()
	before := map[uint64]Status{}
	for _, id := range n.ids {
		before[id] = n.status(id)
	}
	n.delivered = nil

	require.NoError(t, n.nodes[1].rn.ReadIndex(9))
	n.stabilize()
	assert.Equal(t, confirmed(2, 9), n.nodes[1].reads)
	for _, id := range n.ids {
		assert.Equal(t, before[id], n.status(id), "node %d", id)
	}
	assert.Equal(t, len(n.delivered), n.count(func(m Message) bool {
		return m.Type == MsgHeartbeat || m.Type == MsgHeartbeatResp
	}), "only heartbeats and their answers")
}

// Rule 6: on any role or term change, every read not yet confirmed comes
// out Lost in the next Ready, held reads and registered reads alike;
// reads already confirmed stay confirmed.
func TestReadIndexLostOnLeadershipChange(t *testing.T) {
	tests := []struct {
		name  string
		event func(t *testing.T, r *raft)
	}{
		{"higher-term heartbeat from a new leader", func(t *testing.T, r *raft) {
			require.NoError(t, r.Step(Message{Type: MsgHeartbeat, From: 2, To: 1, Term: r.term + 1}))
		}},
		{"higher-term vote request", func(t *testing.T, r *raft) {
			require.NoError(t, r.Step(Message{Type: MsgVote, From: 3, To: 1, Term: r.term + 1, Index: 99, LogTerm: r.term + 1}))
		}},
		{"higher-term answer to a heartbeat", func(t *testing.T, r *raft) {
			require.NoError(t, r.Step(Message{Type: MsgAppResp, From: 3, To: 1, Term: r.term + 1}))
		}},
		{"CheckQuorum step-down in the same term", func(t *testing.T, r *raft) {
			r.checkQuorum = true
			term := r.term
			for i := 0; r.state == StateLeader; i++ {
				require.Less(t, i, 2*r.electionTimeout)
				r.tick()
			}
			require.Equal(t, term, r.term)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/registered", func(t *testing.T) {
			r := newReadLeader(t, 3)
			require.NoError(t, r.readIndex(10))
			require.NoError(t, r.Step(hbResp(2, 1, 1))) // confirms 10
			require.NoError(t, r.readIndex(11))
			require.NoError(t, r.readIndex(12))
			tt.event(t, r)
			require.NotEqual(t, StateLeader, r.state)
			assert.Equal(t, append(confirmed(1, 10), lost(11, 12)...), r.takeReadStates())
			// A late ack to the old leader confirms nothing.
			require.NoError(t, r.Step(hbResp(2, r.term, 3)))
			assert.Empty(t, r.takeReadStates())
		})
		t.Run(tt.name+"/held", func(t *testing.T) {
			r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{}, nil)
			r.becomeLeaderNow() // the no-op is not acknowledged
			require.NoError(t, r.readIndex(20))
			require.NoError(t, r.readIndex(21))
			tt.event(t, r)
			assert.Equal(t, lost(20, 21), r.takeReadStates())
		})
	}
}

// Rule 6 through RawNode: the Lost reads come out in the next Ready.
func TestReadIndexLostReachesReady(t *testing.T) {
	n := newNetwork(t, 3, testOptions{})
	n.elect(1)
	rn := n.nodes[1].rn
	require.NoError(t, rn.ReadIndex(1))
	n.handleReadies()
	n.queue = nil // the heartbeats are lost
	require.NoError(t, rn.Step(Message{Type: MsgHeartbeat, From: 2, To: 1, Term: 5}))
	require.True(t, rn.HasReady())
	assert.Equal(t, lost(1), rn.Ready().ReadStates)
}

// Rule 7: acknowledgements in other terms never count. A stale one is
// dropped by the term rules; a newer one deposes the leader, so the read
// is Lost, not confirmed. An ack of a round never issued is malformed.
func TestReadIndexAcksFromOtherTermsIgnored(t *testing.T) {
	r := newTestRaft(t, 1, ids(3), testOptions{}, HardState{Term: 4}, nil)
	r.becomeLeaderNow() // term 5
	require.NoError(t, r.Step(Message{Type: MsgAppResp, From: 2, To: 1, Term: 5, Index: 1}))
	r.readMessages()
	require.NoError(t, r.readIndex(1))

	require.NoError(t, r.Step(hbResp(2, 4, 1)))
	require.NoError(t, r.Step(hbResp(3, 3, 1)))
	assert.Empty(t, r.takeReadStates(), "acks from older terms")
	assert.Equal(t, StateLeader, r.state)

	require.ErrorIs(t, r.Step(hbResp(3, 5, 2)), ErrMalformedMessage, "round 2 was never issued")
	assert.Empty(t, r.takeReadStates())
	assert.False(t, r.trk.Progress[3].RecentActive, "a rejected message changes nothing")

	require.NoError(t, r.Step(hbResp(3, 6, 1)))
	assert.Equal(t, lost(1), r.takeReadStates(), "an ack from a newer term deposes us")
}

// Rule 8: a leader cut off from the majority never confirms a read; with
// CheckQuorum it steps down and the read comes out Lost.
func TestReadIndexPartitionedLeader(t *testing.T) {
	const et = 10
	n := newNetwork(t, 5, testOptions{checkQuorum: true, electionTick: et})
	n.elect(1)
	n.tickAndStabilize(et)
	// The leader keeps one follower: two of five, never a majority.
	for _, a := range []uint64{1, 2} {
		for _, b := range []uint64{3, 4, 5} {
			n.cutLink(a, b)
		}
	}
	require.NoError(t, n.nodes[1].rn.ReadIndex(3))
	for i := 0; n.status(1).State == StateLeader; i++ {
		require.Less(t, i, 3*et, "CheckQuorum did not depose the leader")
		n.tickAndStabilize(1)
		for _, rs := range n.nodes[1].reads {
			require.True(t, rs.Lost, "confirmed without a majority: %+v", rs)
		}
	}
	assert.Equal(t, lost(3), n.nodes[1].reads)

	// The majority side elects a leader and serves reads there.
	n.heal()
	for i := 0; i < 100 && (n.leader() == None || n.leader() == 1); i++ {
		n.tickAndStabilize(1)
	}
	lead := n.leader()
	require.NotEqual(t, None, lead, n.describe())
	require.NoError(t, n.nodes[lead].rn.ReadIndex(4))
	n.stabilize()
	require.Len(t, n.nodes[lead].reads, 1)
	assert.Equal(t, ReadState{Index: n.status(lead).Commit, RequestCtx: 4}, n.nodes[lead].reads[0])
}

// The linearizability hazard itself: a leader deposed without knowing it
// (no CheckQuorum) is asked for a read after the new leader committed a
// write. Its commit index is stale, so it must never confirm; once it
// hears of the new term the read comes out Lost.
func TestReadIndexDeposedLeaderNeverConfirms(t *testing.T) {
	n := newNetwork(t, 5, testOptions{})
	n.elect(1)
	for _, a := range []uint64{1, 2} {
		for _, b := range []uint64{3, 4, 5} {
			n.cutLink(a, b)
		}
	}
	n.elect(3)
	w := n.propose(3, "w")
	n.stabilize()
	require.Equal(t, w, n.status(3).Commit)
	require.Equal(t, StateLeader, n.status(1).State, "node 1 does not know it was deposed")
	require.Less(t, n.status(1).Commit, w)

	require.NoError(t, n.nodes[1].rn.ReadIndex(8))
	for range 30 {
		n.tickAndStabilize(1)
	}
	assert.Empty(t, n.nodes[1].reads, "node 2 alone is not a majority")

	n.heal()
	n.tickAndStabilize(1)
	assert.Equal(t, lost(8), n.nodes[1].reads)
	n.requireNoStepErrors()
}

// The common case in clusters of several sizes: one round trip of
// heartbeats confirms the read at the leader's commit index.
func TestReadIndexConfirmedInCluster(t *testing.T) {
	for _, size := range []int{1, 3, 5} {
		n := newNetwork(t, size, testOptions{})
		n.elect(1)
		n.propose(1, "a")
		n.propose(1, "b")
		n.stabilize()
		require.NoError(t, n.nodes[1].rn.ReadIndex(42))
		n.stabilize()
		assert.Equal(t, confirmed(3, 42), n.nodes[1].reads, "size %d", size)
		n.requireNoStepErrors()
	}
}
