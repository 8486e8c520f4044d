package raft

import (
	"fmt"

	"raftcheck/raft/tracker"
)

// This file is log compaction and InstallSnapshot (thesis §5, Figure 5.3;
// paper §7). The caller snapshots its state machine at an applied index and
// hands the snapshot to Compact; Raft then forgets the entries it covers and
// keeps the snapshot for followers that need them. A leader whose follower
// needs a discarded entry sends it the snapshot instead, in chunks of at
// most Config.MaxSnapshotChunk bytes, one chunk at a time; the follower
// collects them and, with the last, applies Figure 13's rules.

// SnapshotMeta says which log prefix a snapshot stands for: every entry up
// to and including Index, the last of which has Term.
type SnapshotMeta struct {
	Index uint64
	Term  uint64
}

// Snapshot is the caller's state machine after applying every entry up to
// Meta.Index, in the caller's own encoding, with the configuration in
// force at that index. Data is shared, never copied: once given to Raft it
// must not be modified.
type Snapshot struct {
	Meta SnapshotMeta
	Conf ConfState
	Data []byte
}

// IsEmpty reports whether s is no snapshot at all.
func (s Snapshot) IsEmpty() bool { return s.Meta.Index == 0 }

// SnapshotChunk is one piece of a snapshot in a MsgSnap: the bytes of the
// snapshot from Offset on (Data aliases the leader's snapshot: read only).
// Total is the snapshot's whole length; the chunk that reaches it is the
// last.
type SnapshotChunk struct {
	Meta   SnapshotMeta
	Conf   ConfState
	Offset uint64
	Total  uint64
	Data   []byte
}

// last reports whether c ends the snapshot.
func (c *SnapshotChunk) last() bool { return c.Offset+uint64(len(c.Data)) == c.Total }

// incomingSnapshot is a follower's snapshot in transfer: the chunks
// received so far, in order, of one snapshot from one leader in one term.
type incomingSnapshot struct {
	from, term uint64
	meta       SnapshotMeta
	total      uint64
	data       []byte
}

// holds reports whether in is the transfer c belongs to: the same
// snapshot, from the same leader, in the same term.
func (in *incomingSnapshot) holds(from, term uint64, c *SnapshotChunk) bool {
	return in.from == from && in.term == term && in.meta == c.Meta && in.total == c.Total
}

// compact takes the caller's snapshot of its state machine at index and
// discards the log up to it (see RawNode.Compact).
func (r *raft) compact(index uint64, data []byte) (Snapshot, error) {
	if index <= r.log.offset() {
		return Snapshot{}, fmt.Errorf("%w: index %d is not after the current snapshot %d", ErrCompacted, index, r.log.offset())
	}
	if index > r.log.applied {
		return Snapshot{}, fmt.Errorf("%w: index %d is beyond the applied index %d", ErrUnavailable, index, r.log.applied)
	}
	term, _ := r.log.term(index) // offset < index <= applied <= lastIndex
	snap := Snapshot{Meta: SnapshotMeta{Index: index, Term: term}, Conf: r.compactConfigs(index), Data: data}
	r.log.compact(snap)
	return snap, nil
}

// sendSnapshot sends the follower the next chunk of the snapshot it needs,
// unless one is in flight. The snapshot a follower is being sent is kept
// for it until the transfer ends, even when the leader compacts again
// meanwhile: restarting every transfer with each new snapshot livelocks a
// follower that needs longer to receive one than the leader takes to make
// the next (hashicorp/raft #697).
func (r *raft) sendSnapshot(to uint64, pr *tracker.Progress) {
	if pr.State != tracker.StateSnapshot {
		pr.BecomeSnapshot(r.log.snapshot.Meta.Index)
		r.outgoing[to] = r.log.snapshot
	}
	if pr.ProbeSent {
		return
	}
	snap := r.outgoing[to]
	total := uint64(len(snap.Data))
	off := min(pr.SnapshotOffset, total)
	end := min(off+uint64(r.maxSnapshotChunk), total)
	r.send(Message{
		Type:    MsgSnap,
		To:      to,
		Index:   snap.Meta.Index,
		LogTerm: snap.Meta.Term,
		Commit:  r.log.committed,
		Context: pr.Epoch,
		Chunk:   &SnapshotChunk{Meta: snap.Meta, Conf: snap.Conf, Offset: off, Total: total, Data: snap.Data[off:end:end]},
	})
	pr.ProbeSent = true
}

// handleSnapshotResponse moves a transfer on: the follower has the
// snapshot's bytes up to m.Offset. Only an answer that moves the offset
// forward sends the next chunk, so that each chunk is sent once per
// answer that shows progress: a network that duplicates chunks and
// answers would otherwise multiply them (every copy of an answer sending
// a chunk, every copy of a chunk drawing an answer). An answer behind the
// offset is the follower saying it lost its place, or a stale answer; the
// leader goes back there at the next heartbeat response if the transfer
// has not moved on by then (handleHeartbeatResponse).
func (r *raft) handleSnapshotResponse(m Message, pr *tracker.Progress) {
	if pr.State != tracker.StateSnapshot || m.Index != pr.PendingSnapshot || m.Context != pr.Epoch {
		return // about a transfer that is over
	}
	switch {
	case m.Offset > pr.SnapshotOffset:
		pr.SnapshotOffset = m.Offset
		pr.SnapshotRewind, pr.Rewinding = 0, false
		pr.ProbeSent = false
		r.sendSnapshot(m.From, pr)
	case m.Offset < pr.SnapshotOffset:
		pr.SnapshotRewind, pr.Rewinding = m.Offset, true
	}
}

// resumeSnapshot is a heartbeat response from a follower in StateSnapshot:
// whatever chunk was in flight got no answer that moved the transfer on,
// so it goes again, from where the follower last said it stands if that
// is behind.
func (r *raft) resumeSnapshot(pr *tracker.Progress) {
	if pr.Rewinding {
		pr.SnapshotOffset = pr.SnapshotRewind
		pr.SnapshotRewind, pr.Rewinding = 0, false
	}
}

// endSnapshotTransfer is called when a follower in StateSnapshot
// acknowledged an index: once it holds the snapshot (or an index at which
// our log still has the entries that follow), appends take over.
//
// (While a transfer runs, PendingSnapshot is at most the log's offset: a
// Match below it is below the first entry the leader holds too.)
func (r *raft) endSnapshotTransfer(id uint64, pr *tracker.Progress) {
	if pr.Match < pr.PendingSnapshot {
		return // still needs the snapshot
	}
	delete(r.outgoing, id)
	pr.BecomeProbe()
	pr.Next = max(pr.Next, pr.Match+1)
}

// handleSnapshot is a follower's side of InstallSnapshot: it collects the
// chunks of one snapshot in order and applies the whole. Every chunk is
// answered: with how far it has the snapshot, or, once it is whole, as an
// append is answered, with the index the logs now agree to.
func (r *raft) handleSnapshot(m Message) {
	c := m.Chunk
	in := &r.incoming
	if c.Meta.Index <= r.log.committed {
		// Everything it stands for is committed here already (a stale
		// or duplicated transfer): say how far we are. A transfer in
		// progress of a later snapshot is kept: this chunk is a late
		// copy of an older one, and says nothing about it.
		if in.meta.Index <= r.log.committed {
			*in = incomingSnapshot{}
		}
		r.send(Message{Type: MsgAppResp, To: m.From, Index: r.log.committed, Context: m.Context})
		return
	}
	same := in.holds(m.From, r.term, c)
	if c.Offset == 0 && !(same && len(in.data) > 0) {
		// Figure 13 step 2: the first chunk starts a new snapshot, and
		// whatever partial one we held is dropped (step 5). A late copy
		// of the first chunk of the transfer we are in the middle of
		// starts nothing over.
		*in = incomingSnapshot{from: m.From, term: r.term, meta: c.Meta, total: c.Total}
		same = true
	}
	if !same || c.Offset != uint64(len(in.data)) {
		// A chunk of another transfer, or out of order (one before it
		// was lost, or a late copy of one before): tell the leader where
		// to resume, from the start if this is not the transfer we hold.
		var have uint64
		if same {
			have = uint64(len(in.data))
		}
		r.send(Message{Type: MsgSnapResp, To: m.From, Index: c.Meta.Index, Offset: have, Context: m.Context})
		return
	}
	in.data = append(in.data, c.Data...)
	if !c.last() {
		r.send(Message{Type: MsgSnapResp, To: m.From, Index: c.Meta.Index, Offset: uint64(len(in.data)), Context: m.Context})
		return
	}
	snap := Snapshot{Meta: c.Meta, Conf: c.Conf, Data: in.data}
	*in = incomingSnapshot{}
	r.restore(snap)
	// The acknowledgement leaves after the snapshot is durable (the Ready
	// contract), so it is a promise, as an append's is.
	r.send(Message{Type: MsgAppResp, To: m.From, Index: r.log.committed, Context: m.Context})
}

// restore applies a whole snapshot (thesis Figure 13, steps 6–8).
func (r *raft) restore(snap Snapshot) {
	meta := snap.Meta
	if meta.Index <= r.log.committed {
		return // handleSnapshot answered already; kept for clarity
	}
	if r.log.matchTerm(meta.Index, meta.Term) {
		// Step 6: our log holds the snapshot's last entry, so by Log
		// Matching every entry before it too, and the entries after it
		// may be ones the leader sent after the snapshot: keep them. The
		// entries up to it are committed (the snapshot is of committed
		// state); they are applied from the log as usual.
		r.log.commitTo(meta.Index)
		return
	}
	// Step 7: discard the entire log; step 8: the caller loads the
	// snapshot into its state machine, from the next Ready. The
	// configuration is the snapshot's.
	r.log.restore(snap)
	r.confStart, r.confs = snap.Conf, nil
	r.useConfig(snap.Conf)
}
