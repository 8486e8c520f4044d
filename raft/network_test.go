package raft

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// network is an in-memory cluster of RawNodes for tests. It plays every
// caller role: it persists each Ready to a per-node test disk before
// queueing its messages (persist-before-send), applies committed entries,
// and advances. Messages wait in one FIFO queue until delivered. It can cut
// links, drop messages by predicate, crash nodes (losing everything but the
// disk) and restart them from the disk.
//
// It is deterministic: nodes are visited in ID order, the queue is FIFO,
// and all randomness comes from the seed. It also checks two safety
// properties as it goes: at most one leader per term (Election Safety) and
// no two nodes applying different entries at one index (State Machine
// Safety).
type network struct {
	t     testing.TB
	opts  testOptions
	ids   []uint64
	nodes map[uint64]*testNode

	queue []Message
	cut   map[[2]uint64]bool
	// drop, if set, drops the messages for which it returns true.
	drop func(m Message) bool
	// mutate, if set, rewrites each message before delivery. Tests use it
	// only to produce messages a correct node could have sent (e.g. an
	// append carrying fewer entries).
	mutate func(m Message) Message
	// delivered records every delivered message when record is set.
	// checkApplied makes every Ready's CommittedEntries be checked for
	// State Machine Safety and kept per node. Benchmarks turn both off.
	checkApplied bool
	record       bool
	delivered    []Message

	// snapshotEvery, when positive, makes each node compact its log
	// once it has applied that many entries past its snapshot, as a
	// caller with log compaction does (snapshot_test.go).
	snapshotEvery int
	// installs counts the snapshots nodes installed from a leader, and
	// compactions the snapshots they took.
	installs, compactions int

	leaders map[uint64]uint64  // term -> the node seen leading it
	applied map[uint64]Entry   // index -> the entry applied there
	errs    map[uint64][]error // node -> errors its Step returned
	// onReady, when set, sees every Ready before it is handled.
	onReady func(id uint64, rd Ready)
}

// testNode is one node: its RawNode (nil while crashed), its durable disk
// (HardState, snapshot, and the log after the snapshot), its state machine
// (every entry applied, from the snapshot's or from index 1), and every
// ReadState it handed out (across restarts).
type testNode struct {
	rn      *RawNode
	hs      HardState
	snap    Snapshot
	log     []Entry
	applied []Entry
	reads   []ReadState
}

// durableIndex is the index of the last entry on node's disk.
func (nd *testNode) durableIndex() uint64 { return nd.snap.Meta.Index + uint64(len(nd.log)) }

func newNetwork(t testing.TB, size int, o testOptions) *network {
	n := &network{
		t:             t,
		opts:          o,
		ids:           ids(size),
		nodes:         make(map[uint64]*testNode, size),
		cut:           make(map[[2]uint64]bool),
		record:        true,
		checkApplied:  true,
		snapshotEvery: o.snapshotEvery,
		leaders:       make(map[uint64]uint64),
		applied:       make(map[uint64]Entry),
		errs:          make(map[uint64][]error),
	}
	for _, id := range n.ids {
		n.nodes[id] = &testNode{}
		n.restart(id)
	}
	return n
}

// newNetworkWithLogs builds a network whose nodes boot from the given
// durable logs (terms of indexes 1, 2, ...), all in the highest term any
// log holds, without votes.
func newNetworkWithLogs(t testing.TB, o testOptions, logs ...[]uint64) *network {
	n := newNetwork(t, len(logs), o)
	var term uint64
	for _, terms := range logs {
		if len(terms) > 0 {
			term = max(term, terms[len(terms)-1])
		}
	}
	for i, terms := range logs {
		id := uint64(i + 1)
		nd := n.nodes[id]
		nd.log = entries(terms...)
		nd.hs = HardState{Term: term}
		n.restart(id)
	}
	return n
}

// raft returns node id's state machine (it must be running).
func (n *network) raft(id uint64) *raft {
	nd := n.nodes[id]
	require.NotNil(n.t, nd.rn, "node %d is crashed", id)
	return nd.rn.raft
}

func (n *network) status(id uint64) Status { return n.nodes[id].rn.Status() }

// crash loses node id's volatile state; its disk survives.
func (n *network) crash(id uint64) { n.nodes[id].rn = nil }

// restart starts node id from its disk, re-applying from scratch.
func (n *network) restart(id uint64) {
	nd := n.nodes[id]
	peers := n.ids
	if len(n.opts.voters) > 0 {
		peers = n.opts.voters
	}
	cfg := n.opts.config(id, peers)
	cfg.HardState = nd.hs
	cfg.Snapshot = nd.snap
	cfg.Entries = slices.Clone(nd.log)
	rn, err := NewRawNode(cfg)
	require.NoError(n.t, err)
	if !n.opts.bootLease {
		// Scripted tests elect whom they like as soon as nodes start; the
		// boot lease (boot_lease_test.go) would make them wait an election
		// timeout first.
		rn.raft.leaseElapsed = rn.raft.electionTimeout
	}
	nd.rn = rn
	nd.applied = decodeApplied(n.t, nd.snap.Data)
}

// isolate cuts every link to and from id.
func (n *network) isolate(id uint64) {
	for _, other := range n.ids {
		if other != id {
			n.cutLink(id, other)
		}
	}
}

// cutLink cuts both directions between a and b.
func (n *network) cutLink(a, b uint64) {
	n.cut[[2]uint64{a, b}] = true
	n.cut[[2]uint64{b, a}] = true
}

// heal restores every link and removes the drop and mutate filters.
func (n *network) heal() {
	clear(n.cut)
	n.drop = nil
	n.mutate = nil
}

// handleReady runs one Ready cycle on node id, playing a correct caller.
func (n *network) handleReady(id uint64) bool {
	nd := n.nodes[id]
	if nd.rn == nil || !nd.rn.HasReady() {
		return false
	}
	rd := nd.rn.Ready()
	if n.onReady != nil {
		n.onReady(id, rd)
	}
	// 1. Persist (a snapshot replaces the durable log; entries cut back
	// the durable log if a suffix was replaced).
	if !rd.HardState.IsEmpty() {
		nd.hs = rd.HardState
	}
	if !rd.Snapshot.IsEmpty() {
		nd.snap = rd.Snapshot
		nd.log = nil
		n.installs++
	}
	if len(rd.Entries) > 0 {
		first := rd.Entries[0].Index
		require.Greater(n.t, first, nd.snap.Meta.Index, "node %d: entries the snapshot covers", id)
		require.LessOrEqual(n.t, first, nd.durableIndex()+1, "node %d: gap in durable log", id)
		nd.log = append(nd.log[:first-1-nd.snap.Meta.Index], rd.Entries...)
	}
	// 2. Send, only now.
	n.queue = append(n.queue, rd.Messages...)
	// 3. Load the snapshot, then apply.
	if !rd.Snapshot.IsEmpty() {
		nd.applied = decodeApplied(n.t, rd.Snapshot.Data)
		n.checkAgainstApplied(id, nd.applied)
	}
	for _, e := range rd.CommittedEntries {
		if !n.checkApplied {
			break
		}
		require.LessOrEqual(n.t, e.Index, nd.durableIndex(), "node %d applies entry %d it has not persisted", id, e.Index)
		require.Equal(n.t, uint64(len(nd.applied))+1, e.Index, "node %d applies out of order", id)
		n.checkAgainstApplied(id, []Entry{e})
		nd.applied = append(nd.applied, e)
	}
	// 4. Collect read outcomes (serving them is the test's business).
	nd.reads = append(nd.reads, rd.ReadStates...)
	nd.rn.Advance(rd)
	n.checkElectionSafety(id)
	n.maybeCompact(id)
	return true
}

// checkAgainstApplied checks State Machine Safety for entries node id's
// state machine now holds, and records them.
func (n *network) checkAgainstApplied(id uint64, ents []Entry) {
	for _, e := range ents {
		if prev, ok := n.applied[e.Index]; ok {
			require.True(n.t, prev.Term == e.Term && bytes.Equal(prev.Data, e.Data),
				"State Machine Safety: node %d applies %v at index %d, another node applied %v", id, e, e.Index, prev)
		}
		n.applied[e.Index] = e
	}
}

// maybeCompact plays a caller with log compaction: once node id has
// applied snapshotEvery entries past its snapshot, it snapshots its state
// machine (the applied entries themselves), persists the snapshot, and
// drops the durable entries it covers.
func (n *network) maybeCompact(id uint64) {
	nd := n.nodes[id]
	applied := uint64(len(nd.applied))
	if n.snapshotEvery <= 0 || applied < nd.snap.Meta.Index+uint64(n.snapshotEvery) {
		return
	}
	snap, err := nd.rn.Compact(applied, encodeApplied(nd.applied))
	require.NoError(n.t, err)
	nd.log = slices.Clone(nd.log[applied-nd.snap.Meta.Index:])
	nd.snap = snap
	n.compactions++
}

// encodeApplied is the test state machine's snapshot: every applied
// entry, as index, term, type and data.
func encodeApplied(ents []Entry) []byte {
	var b []byte
	for _, e := range ents {
		b = binary.AppendUvarint(b, e.Index)
		b = binary.AppendUvarint(b, e.Term)
		b = append(b, byte(e.Type))
		b = binary.AppendUvarint(b, uint64(len(e.Data)))
		b = append(b, e.Data...)
	}
	return b
}

// decodeApplied reads encodeApplied's encoding back.
func decodeApplied(t testing.TB, b []byte) []Entry {
	var out []Entry
	for len(b) > 0 {
		var e Entry
		var n int
		e.Index, n = binary.Uvarint(b)
		b = b[n:]
		e.Term, n = binary.Uvarint(b)
		b = b[n:]
		e.Type, b = EntryType(b[0]), b[1:]
		size, n := binary.Uvarint(b)
		b = b[n:]
		if size > 0 {
			e.Data = slices.Clone(b[:size])
		}
		b = b[size:]
		require.Equal(t, uint64(len(out))+1, e.Index, "snapshot entries out of order")
		out = append(out, e)
	}
	return out
}

func (n *network) checkElectionSafety(id uint64) {
	st := n.nodes[id].rn.Status()
	if st.State != StateLeader {
		return
	}
	if other, ok := n.leaders[st.Term]; ok && other != id {
		n.t.Fatalf("Election Safety: nodes %d and %d both lead term %d", other, id, st.Term)
	}
	n.leaders[st.Term] = id
}

// handleReadies runs a Ready cycle on every node with work, in ID order.
func (n *network) handleReadies() bool {
	any := false
	for _, id := range n.ids {
		for n.handleReady(id) {
			any = true
		}
	}
	return any
}

// deliverQueued delivers the messages queued so far (not the ones their
// delivery produces) and reports whether there were any.
func (n *network) deliverQueued() bool {
	batch := n.queue
	n.queue = nil
	for _, m := range batch {
		n.deliver(m)
	}
	return len(batch) > 0
}

// deliver hands m to its recipient unless it is crashed, cut off or
// filtered.
func (n *network) deliver(m Message) {
	nd, ok := n.nodes[m.To]
	if !ok || nd.rn == nil || n.cut[[2]uint64{m.From, m.To}] || (n.drop != nil && n.drop(m)) {
		return
	}
	if n.mutate != nil {
		m = n.mutate(m)
	}
	if n.record {
		n.delivered = append(n.delivered, m)
	}
	if err := nd.rn.Step(m); err != nil {
		n.errs[m.To] = append(n.errs[m.To], err)
	}
}

// stabilize alternates Ready cycles and deliveries until nothing moves.
func (n *network) stabilize() {
	for i := 0; ; i++ {
		if i > 100000 {
			n.t.Fatalf("network did not stabilize")
		}
		readies := n.handleReadies()
		delivered := n.deliverQueued()
		if !readies && !delivered {
			return
		}
	}
}

// tick ticks the given running nodes once each (all nodes if none given).
func (n *network) tick(which ...uint64) {
	if len(which) == 0 {
		which = n.ids
	}
	for _, id := range which {
		if nd := n.nodes[id]; nd.rn != nil {
			nd.rn.Tick()
		}
	}
}

// tickAndStabilize ticks all running nodes and stabilizes, k times.
func (n *network) tickAndStabilize(k int) {
	for range k {
		n.tick()
		n.stabilize()
	}
}

// campaign makes node id time out now and runs the election to completion.
func (n *network) campaign(id uint64) {
	n.raft(id).hup()
	n.stabilize()
}

// elect makes node id campaign and requires that it wins.
func (n *network) elect(id uint64) {
	n.campaign(id)
	require.Equal(n.t, StateLeader, n.status(id).State, "node %d did not win", id)
}

// leader returns the running node that leads the highest term, or None.
func (n *network) leader() uint64 {
	var lead, term uint64
	for _, id := range n.ids {
		if nd := n.nodes[id]; nd.rn != nil {
			if st := nd.rn.Status(); st.State == StateLeader && st.Term >= term {
				lead, term = id, st.Term
			}
		}
	}
	return lead
}

// propose proposes data on node id, which must lead, and returns its index.
func (n *network) propose(id uint64, data string) uint64 {
	idx, _, err := n.nodes[id].rn.Propose([]byte(data))
	require.NoError(n.t, err)
	return idx
}

// count returns how many delivered messages satisfy pred.
func (n *network) count(pred func(m Message) bool) int {
	c := 0
	for _, m := range n.delivered {
		if pred(m) {
			c++
		}
	}
	return c
}

// requireNoStepErrors fails the test if any node's Step returned an error.
func (n *network) requireNoStepErrors() {
	for _, id := range n.ids {
		require.Empty(n.t, n.errs[id], "node %d", id)
	}
}

// describe summarises every node's status, for failure messages.
func (n *network) describe() string {
	s := ""
	for _, id := range n.ids {
		if nd := n.nodes[id]; nd.rn == nil {
			s += fmt.Sprintf("%d crashed\n", id)
		} else {
			s += nd.rn.Status().String() + "\n"
		}
	}
	return s
}

func TestNetworkElectsAndReplicates(t *testing.T) {
	n := newNetwork(t, 3, testOptions{})
	n.elect(1)
	idx := n.propose(1, "x")
	n.stabilize()
	for _, id := range n.ids {
		st := n.status(id)
		require.Equal(t, idx, st.Commit, n.describe())
		require.Equal(t, idx, st.Applied)
		require.Len(t, n.nodes[id].applied, int(idx))
		require.Equal(t, []byte("x"), n.nodes[id].applied[idx-1].Data)
	}
	n.requireNoStepErrors()
}
