package raft

import "raftcheck/raft/tracker"

// This file is the leader's side of replication: sending appends and
// heartbeats, learning from the answers, and advancing the commit index.

// sendAppend sends to a follower the entries from its Next on, at most
// maxEntriesPerMsg of them, unless its progress is paused. With sendIfEmpty
// it sends even when there is nothing new (to carry the commit index or to
// provoke a rejection that resynchronises a replicating follower). It
// reports whether a message was sent.
func (r *raft) sendAppend(to uint64, sendIfEmpty bool) bool {
	pr := r.trk.Progress[to]
	if pr == nil {
		return false // not a member (any more)
	}
	if pr.State == tracker.StateSnapshot {
		r.sendSnapshot(to, pr)
		return false
	}
	if pr.IsPaused() {
		return false
	}
	prevIndex := pr.Next - 1
	prevTerm, ok := r.log.term(prevIndex)
	if !ok {
		// The entry before Next was compacted away: the follower needs
		// the snapshot that replaced it (§7).
		r.sendSnapshot(to, pr)
		return false
	}
	ents := limitBytes(r.log.slice(pr.Next, pr.Next+r.maxEntriesPerMsg), r.maxMsgBytes)
	if len(ents) == 0 && !sendIfEmpty {
		return false
	}
	r.send(Message{
		Type:    MsgApp,
		To:      to,
		Index:   prevIndex,
		LogTerm: prevTerm,
		Entries: ents,
		Commit:  r.log.committed,
		Context: pr.Epoch,
	})
	pr.SentEntries(prevIndex+uint64(len(ents)), len(ents))
	return true
}

// bcastAppend sends an append to every other voter, in ID order.
func (r *raft) bcastAppend() {
	for _, id := range r.trk.IDs() {
		if id != r.id {
			r.sendAppend(id, true)
		}
	}
}

// bcastHeartbeat sends a heartbeat to every other voter, in ID order.
func (r *raft) bcastHeartbeat() {
	for _, id := range r.trk.IDs() {
		if id == r.id {
			continue
		}
		// The follower may not hold our entries up to our commit index
		// yet, and a heartbeat carries no consistency check: cap the
		// commit at what it is known to hold.
		commit := min(r.trk.Progress[id].Match, r.log.committed)
		// Every heartbeat carries the latest read round: it is sent
		// after every read registered so far, so its acknowledgement
		// can confirm all of them (read_index.go).
		r.send(Message{Type: MsgHeartbeat, To: id, Commit: commit, Context: r.reads.round})
	}
}

// maybeCommit advances the commit index to the highest index a majority
// holds, provided that entry is from the current term. Entries of earlier
// terms are never committed by counting replicas: Figure 8 shows such an
// entry can be on a majority and still be overwritten by a later leader.
// They commit indirectly, when an entry of the current term after them does
// (§5.4.2, Log Matching).
func (r *raft) maybeCommit() bool {
	mci := r.trk.Committed()
	if mci <= r.log.committed {
		return false
	}
	if t, ok := r.log.term(mci); !ok || t != r.term {
		return false
	}
	r.committedBytes(r.log.committed+1, mci)
	r.log.commitTo(mci)
	// An entry of our term has committed: reads held back until then
	// can now be given a read index (§6.4 step 1).
	r.registerHeldReads()
	r.configCommitted()
	return true
}

// handleAppendResponse learns from a follower's answer to an append.
func (r *raft) handleAppendResponse(m Message, pr *tracker.Progress) {
	if m.Context != pr.Epoch {
		// It answers an append sent to an earlier membership of this
		// node (removed and added again since): what it says about that
		// log says nothing about this one's.
		return
	}
	if m.Reject {
		// The follower's hint is the highest index that could agree on
		// its side; map it to the highest index that could agree on
		// ours (see findConflictByTerm), then probe from there.
		nextProbe, _ := r.log.findConflictByTerm(m.RejectHint, m.HintTerm)
		if pr.MaybeDecrTo(m.Index, nextProbe) {
			if pr.State == tracker.StateReplicate {
				pr.BecomeProbe()
			}
			r.sendAppend(m.From, true)
		}
		return
	}
	if !pr.MaybeUpdate(m.Index) {
		return // a duplicated or reordered ack tells us nothing new
	}
	switch pr.State {
	case tracker.StateProbe:
		// The logs agree up to Match: stream from here on.
		pr.BecomeReplicate()
	case tracker.StateReplicate:
		pr.Inflights.FreeLE(m.Index)
	case tracker.StateSnapshot:
		r.endSnapshotTransfer(m.From, pr)
	}
	r.transferCaughtUp(m.From)
	if r.maybeCommit() {
		// Tell everyone, so followers can apply without waiting for
		// the next heartbeat.
		r.bcastAppend()
	}
	// Refill the pipeline with whatever the follower still lacks.
	for r.sendAppend(m.From, false) {
	}
}

// handleHeartbeatResponse: the follower is alive. If it lags, send it what
// it lacks. A full window of appends with a live follower means some were
// probably lost: free one slot so the next append can go out and, if there
// is a gap, be rejected, which puts the follower back to probing.
//
// In StateSnapshot the flag is the chunk in flight: a heartbeat answered
// with no answer to the chunk means the chunk or its answer was lost, and
// sendAppend sends it again.
func (r *raft) handleHeartbeatResponse(m Message, pr *tracker.Progress) {
	pr.ProbeSent = false
	if pr.State == tracker.StateSnapshot {
		r.resumeSnapshot(pr)
	}
	if pr.State == tracker.StateReplicate && pr.Inflights.Full() {
		pr.Inflights.FreeFirstOne()
	}
	if pr.Match < r.log.lastIndex() {
		r.sendAppend(m.From, true)
	}
}

// persistedTo is called when the caller confirms entries up to index (of
// term) are durable. A leader counts its own log towards a quorum only
// from this point: an entry the leader could still lose in a crash must not
// be what makes a majority.
func (r *raft) persistedTo(index, term uint64) {
	if !r.log.stableTo(index, term) || r.state != StateLeader {
		return
	}
	self := r.trk.Progress[r.id]
	if self == nil {
		return // a leader outside its configuration counts itself in no majority
	}
	if self.MaybeUpdate(r.log.persisted) && r.maybeCommit() {
		r.bcastAppend()
	}
}

// propose appends a client command to the leader's log and starts
// replicating it. The data is copied: the log must not change if the
// caller reuses its buffer.
func (r *raft) propose(data []byte) (index, term uint64, err error) {
	if r.state != StateLeader {
		return 0, 0, &NotLeaderError{Leader: r.lead}
	}
	if r.leadTransferee != None {
		return 0, 0, ErrTransferInProgress
	}
	if err := r.admit(uint64(len(data))); err != nil {
		return 0, 0, err
	}
	e := Entry{Type: EntryNormal}
	if len(data) > 0 {
		e.Data = append([]byte(nil), data...)
	}
	index = r.appendEntry(e)
	r.bcastAppend()
	return index, r.term, nil
}
