package raft

// This file is the follower's side of replication: AppendEntries and
// heartbeats from the leader of its term.

// handleAppendEntries applies Figure 2's AppendEntries receiver rules and
// answers. The answer leaves only after the appended entries are durable
// (the Ready contract), so a success is a promise that survives a crash.
func (r *raft) handleAppendEntries(m Message) error {
	if m.Index < r.log.committed {
		// Everything up to our commit index is committed, hence agrees
		// with the leader (Leader Completeness, §5.4). This append
		// starts earlier, so it is a stale duplicate; tell the leader
		// how far we are known to match instead of re-checking.
		r.send(Message{Type: MsgAppResp, To: m.From, Index: r.log.committed, Context: m.Context})
		return nil
	}
	lastNew, written, ok, err := r.log.maybeAppend(m.Index, m.LogTerm, m.Commit, m.Entries)
	if err != nil {
		return err
	}
	if ok {
		if written != 0 && r.touchesConfig(written, m.Entries) {
			r.logChanged(written)
		}
		if r.joining && lastNew >= m.Commit {
			r.joining = false // caught up with a leader's commit: it may vote
		}
		r.send(Message{Type: MsgAppResp, To: m.From, Index: lastNew, Context: m.Context})
		return nil
	}
	// Rule 2: no entry at prevLogIndex with prevLogTerm. Rather than let
	// the leader step back one index per round trip, hint at the highest
	// index that could agree: at most our last index, and skipping our
	// entries whose term is above prevLogTerm (see findConflictByTerm).
	hintIndex, hintTerm := r.log.findConflictByTerm(min(m.Index, r.log.lastIndex()), m.LogTerm)
	r.send(Message{
		Type:       MsgAppResp,
		To:         m.From,
		Index:      m.Index,
		Reject:     true,
		RejectHint: hintIndex,
		HintTerm:   hintTerm,
		Context:    m.Context,
	})
	return nil
}

// handleHeartbeat advances the commit index and answers. The leader sends
// commit = min(its commit, our Match), an index our log is known to share
// with the leader's, so committing up to it is safe without a consistency
// check. The clamp to our last index only guards against a malformed
// heartbeat.
func (r *raft) handleHeartbeat(m Message) {
	r.log.commitTo(min(m.Commit, r.log.lastIndex()))
	r.send(Message{Type: MsgHeartbeatResp, To: m.From, Context: m.Context})
}
