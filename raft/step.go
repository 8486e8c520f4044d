package raft

import (
	"fmt"
	"math"
)

// Step delivers one message. It checks the message's shape, applies the
// term rules every role shares, answers vote requests, and hands the rest
// to the current role's step function.
//
// Odd input is never fatal: a malformed message, or one that could only
// exist if safety were already broken, is dropped and reported as an error.
// Stale messages are a normal part of an unreliable network and are dropped
// (or answered) without error.
func (r *raft) Step(m Message) error {
	if err := r.checkShape(m); err != nil {
		return err
	}
	if (m.Type == MsgVote || m.Type == MsgPreVote) && !r.trk.Voters.Contains(m.From) && r.inLease() {
		// A node outside our configuration (removed, or one we do not
		// know of yet) asks for votes while we hear from a leader: ignore
		// it, term and all, or a removed node that never learnt of its
		// removal disrupts the cluster with every campaign (thesis
		// §4.2.3). Without a leader we answer: our configuration may be
		// the stale one, and the candidate the one with the log that
		// would bring it up to date; refusing it could leave a cluster
		// whose members know different configurations without a
		// leader for ever (found by the swarm, seed 143).
		return nil
	}

	switch {
	case m.Term > r.term:
		if (m.Type == MsgVote || m.Type == MsgPreVote) && r.checkQuorum && r.inLease() && !(m.Type == MsgVote && m.Context == transferContext) {
			// With CheckQuorum a leader steps down by itself when it loses
			// a majority, so while we hear from one it is healthy and a
			// vote request comes from a node that lost touch with it.
			// Ignoring the request (not even adopting its term) keeps
			// such a node from deposing a working leader.
			return nil
		}
		switch {
		case m.Type == MsgPreVote:
			// A pre-vote changes no one's term (thesis §9.6).
		case m.Type == MsgPreVoteResp && !m.Reject:
			// A granted pre-vote carries the term we asked about. We
			// move to it only by winning the pre-vote and campaigning.
		case m.Type == MsgApp || m.Type == MsgHeartbeat || m.Type == MsgSnap:
			// Figure 2, "All servers": a higher term means we are stale.
			// Only a leader sends these, so we also learn who leads.
			r.becomeFollower(m.Term, m.From)
		default:
			r.becomeFollower(m.Term, None)
		}

	case m.Term < r.term:
		r.answerStale(m)
		return nil
	}

	if m.Type == MsgVote || m.Type == MsgPreVote {
		r.handleVoteRequest(m)
		return nil
	}
	return r.step(m)
}

// answerStale handles a message from a lower term. Figure 2 has a receiver
// reply false with its current term to stale AppendEntries and RequestVote,
// so that the sender learns it is stale and steps down; responses from a
// lower term are simply dropped.
//
// This matters beyond tidiness: with CheckQuorum, nodes ignore vote
// requests from a node with a higher term while they have a leader, so
// such a node would never make the old leader step down by campaigning.
// Answering the leader's heartbeats with our higher term does. And a
// pre-candidate stuck in a lower term (its pre-votes never raise it) learns
// the current term from the rejection of its pre-vote.
//
// (etcd answers stale MsgApp/MsgHeartbeat only with CheckQuorum or PreVote
// and never answers a stale MsgVote. Answering always is what Figure 2
// says and is safe: a rejection arriving after its candidate has moved on
// to the responder's term counts as a refusal in that term's election, which
// can only cost that election, never a vote.)
func (r *raft) answerStale(m Message) {
	switch m.Type {
	case MsgApp, MsgHeartbeat, MsgSnap:
		r.send(Message{Type: MsgAppResp, To: m.From})
	case MsgVote:
		r.send(Message{Type: MsgVoteResp, To: m.From, Term: r.term, Reject: true})
	case MsgPreVote:
		r.send(Message{Type: MsgPreVoteResp, To: m.From, Term: r.term, Reject: true})
	}
}

// checkShape rejects messages this node cannot interpret: unknown types,
// unknown or impossible senders, and appends whose entries do not form a
// valid continuation of prevLogIndex/prevLogTerm in the sender's term.
func (r *raft) checkShape(m Message) error {
	if !m.Type.isKnown() {
		return fmt.Errorf("%w: %s", ErrUnknownMessageType, m)
	}
	if m.From == None || m.From == r.id {
		return fmt.Errorf("%w: %s has sender %d", ErrMalformedMessage, m, m.From)
	}
	if m.Term == math.MaxUint64 {
		// Adopting it would leave no term to campaign in: the next
		// campaign would wrap to term 0.
		return fmt.Errorf("%w: %s: term at its maximum", ErrMalformedMessage, m)
	}
	if (m.Type == MsgVote || m.Type == MsgPreVote) && m.LogTerm > m.Term {
		return fmt.Errorf("%w: %s: last log term is above the term asked for", ErrMalformedMessage, m)
	}
	if (m.Chunk != nil) != (m.Type == MsgSnap) {
		return fmt.Errorf("%w: %s: a snapshot chunk belongs on MsgSnap only", ErrMalformedMessage, m)
	}
	if m.Type == MsgSnap {
		return checkChunkShape(m)
	}
	if m.Type != MsgApp {
		if len(m.Entries) > 0 {
			return fmt.Errorf("%w: %s carries entries", ErrMalformedMessage, m)
		}
		return nil
	}
	if m.LogTerm > m.Term {
		return fmt.Errorf("%w: %s: previous entry's term is above the message's term", ErrMalformedMessage, m)
	}
	prev := Entry{Index: m.Index, Term: m.LogTerm}
	for _, e := range m.Entries {
		switch {
		case e.Term == 0:
			return fmt.Errorf("%w: %s: entry %s has term 0, which no leader has", ErrMalformedMessage, m, e)
		case e.Index != prev.Index+1:
			return fmt.Errorf("%w: %s: entry %s does not follow %s", ErrMalformedMessage, m, e, prev)
		case e.Term < prev.Term:
			return fmt.Errorf("%w: %s: entry %s has a lower term than %s", ErrMalformedMessage, m, e, prev)
		case e.Term > m.Term:
			return fmt.Errorf("%w: %s: entry %s is from a term after the sender's", ErrMalformedMessage, m, e)
		}
		prev = e
	}
	return nil
}

// checkChunkShape rejects a MsgSnap whose chunk cannot be part of a
// snapshot a leader of its term holds.
func checkChunkShape(m Message) error {
	c := m.Chunk
	switch {
	case len(m.Entries) > 0:
		return fmt.Errorf("%w: %s carries entries", ErrMalformedMessage, m)
	case c.Meta.Index == 0 || c.Meta.Term == 0:
		return fmt.Errorf("%w: %s: a snapshot of nothing", ErrMalformedMessage, m)
	case c.Meta.Term > m.Term:
		return fmt.Errorf("%w: %s: snapshot's term is above the message's term", ErrMalformedMessage, m)
	case c.Meta.Index != m.Index || c.Meta.Term != m.LogTerm:
		return fmt.Errorf("%w: %s: chunk of snapshot %d/t%d", ErrMalformedMessage, m, c.Meta.Index, c.Meta.Term)
	case c.Offset > c.Total || uint64(len(c.Data)) > c.Total-c.Offset:
		return fmt.Errorf("%w: %s: chunk runs past the snapshot's end", ErrMalformedMessage, m)
	case m.Commit < c.Meta.Index:
		return fmt.Errorf("%w: %s: a snapshot beyond the leader's commit index", ErrMalformedMessage, m)
	}
	return nil
}
