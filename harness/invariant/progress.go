package invariant

import (
	"raftcheck/harness/raftnode"
	"raftcheck/raft"
)

// MatchEarned (§5.3, Figure 2 "Volatile state on leaders"): a leader's
// matchIndex for a follower is reinitialized when it takes office and
// only ever raised by the follower's successful AppendEntries responses
// of its term; its own match is what it has made durable. A match index
// above what was earned is a commit waiting to go wrong: the leader counts
// a replica that does not exist (an acknowledgement of an older term, a
// match kept across terms, its own unsynced entries).
const MatchEarned = "Match Earned"

// NextBacksOffOnRejection (§5.3, etcd-io/raft's Progress): within a
// leader's term, the next index it sends a follower moves back only when
// that follower rejects an append: an acknowledgement only ever moves it
// forward. A Next that rewinds on an ack resends what is already in
// flight, and a window that forgets its appends stalls or floods; neither
// breaks safety, so no other check sees it, but the cluster's throughput
// does. It fits a Raft without snapshots or unreachable reports: etcd's
// ReportUnreachable and an aborted snapshot also move Next back, to
// Match+1, so the rule is off for a system with its own flow control
// (Semantics.OwnTimers).
const NextBacksOffOnRejection = "Next Backs Off On Rejection"

// MatchOnlyGrows (§5.3, Figure 2; etcd-io/raft Progress.MaybeUpdate):
// within a leader's term, the match index it keeps for a node only ever
// grows, since a follower acknowledges only what it holds durably and
// never loses it while the leader stays in office. A late or duplicated
// acknowledgement of a lower index that pulls it back resends what the
// follower holds and holds back its commit; no safety check sees it.
const MatchOnlyGrows = "Match Only Grows"

// StaleResponseIgnored (§5.1): a response of an earlier term tells a
// leader nothing about its own term's replication, so it must not move
// the sender's match or next index. A leader re-elected in a later term
// starts its match indexes afresh, and a delayed acknowledgement of its
// old term would otherwise count a replica that the new term never
// confirmed.
const StaleResponseIgnored = "Stale Response Ignored"

// leaderTrack is what the checker remembers of one leader's term: for
// each follower, the match and next index the leader tracked at its last
// step and the highest index the follower acknowledged in that term. It is
// kept per leader and reset when the leader's term changes, so a step
// costs a short scan of at most a cluster's worth of peers.
type leaderTrack struct {
	term  uint64
	peers []peerTrack
	// visits counts the checks of this track: a peer the latest did not
	// visit has left the leader's configuration, and is forgotten, so
	// that a node removed and added back within the term starts afresh,
	// as its new progress does (its acknowledgements are kept where no
	// disk is ever replaced under an ID: Semantics.NoRejoinAfterWipe).
	visits uint64
}

type peerTrack struct {
	id uint64
	// seen says match and next were recorded at an earlier step of term.
	seen        bool
	match, next uint64
	acked       uint64
	visited     uint64 // the track's visit that last saw it
}

// peer is follower id's track, added if new.
func (t *leaderTrack) peer(id uint64) *peerTrack {
	for i := range t.peers {
		if t.peers[i].id == id {
			return &t.peers[i]
		}
	}
	t.peers = append(t.peers, peerTrack{id: id})
	return &t.peers[len(t.peers)-1]
}

// track is leader's track for term, or nil when the checker has already
// moved it to a later term (what an earlier term did is of no interest).
func (c *Checker) track(leader, term uint64) *leaderTrack {
	t := c.tracks.at(leader)
	switch {
	case t == nil:
		t = &leaderTrack{term: term}
		c.tracks.put(leader, t)
	case t.term > term:
		return nil
	case t.term < term:
		t.term = term
		t.peers = t.peers[:0]
	}
	return t
}

// recordAck notes a successful MsgAppResp of term from follower to leader
// acknowledging index.
func (c *Checker) recordAck(leader, term, follower, index uint64) {
	t := c.track(leader, term)
	if t == nil {
		return
	}
	if p := t.peer(follower); index > p.acked {
		p.acked = index
	}
}

// checkProgress checks every match and next index leader n tracks in its
// term.
func (c *Checker) checkProgress(n raftnode.View, term uint64) error {
	id := n.ID()
	v := &c.visit
	t := c.track(id, term)
	if t == nil { // acks of a later term were sent to it: it leads this one
		t = c.tracks.at(id)
		t.term, t.peers = term, t.peers[:0]
	}
	*v = progressVisit{c: c, n: n, id: id, term: term, track: t, rejected: c.rejectedBy[id]}
	delete(c.rejectedBy, id)
	v.stale, v.staleFrom = c.staleTo.get(id)
	c.staleTo.del(id)
	t.visits++
	n.Progress(c.visitPeer)
	err := v.err
	*v = progressVisit{}
	kept := t.peers[:0]
	for _, p := range t.peers {
		switch {
		case p.visited == t.visits:
			kept = append(kept, p)
		case c.sem.NoRejoinAfterWipe:
			// Its progress is gone, but what it acknowledged in this
			// term it still holds: no disk is replaced under its ID,
			// and only a later term truncates. A late ack from before
			// it left may raise the progress it gets when added back
			// (etcd keeps no epoch to refuse it), truthfully.
			p.seen, p.match, p.next = false, 0, 0
			kept = append(kept, p)
		}
	}
	t.peers = kept
	return err
}

// progressVisit is the state of one checkProgress, kept in the checker so
// that the visit, a method value bound once, allocates nothing per step.
type progressVisit struct {
	c         *Checker
	n         raftnode.View
	id, term  uint64
	track     *leaderTrack
	rejected  map[uint64]bool
	stale     staleResponse
	staleFrom bool
	err       error
}

func (v *progressVisit) peer(peer, match, next uint64) {
	if v.err != nil {
		return
	}
	c, n, term := v.c, v.n, v.term
	p := v.track.peer(peer)
	p.visited = v.track.visits
	prev, ok := *p, p.seen
	switch {
	case ok && v.staleFrom && peer == v.stale.from && (match != prev.match || next != prev.next):
		v.err = c.violation(StaleResponseIgnored, n, "the leader of term %d moved node %d's progress from match %d, next %d to match %d, next %d on a %s of term %d", term, peer, prev.match, prev.next, match, next, v.stale.typ, v.stale.term)
		return
	case ok && match < prev.match:
		v.err = c.violation(MatchOnlyGrows, n, "the leader of term %d moved node %d's match index back from %d to %d", term, peer, prev.match, match)
		return
	case ok && next < prev.next && peer != v.id && !v.rejected[peer] && !c.sem.OwnTimers:
		v.err = c.violation(NextBacksOffOnRejection, n, "the leader of term %d moved node %d's next index back from %d to %d, though no rejection of node %d reached it", term, peer, prev.next, next, peer)
		return
	}
	p.seen, p.match, p.next = true, match, next
	if match == 0 {
		return
	}
	if peer == v.id {
		// Its own match changes only as its log is made durable; what
		// the disk holds changes otherwise only by a crash, after which
		// it no longer leads this term. So an unchanged match needs no
		// second look.
		if ok && match == prev.match {
			return
		}
		d := c.durable(v.id)
		t, ok := c.termAt(n, match)
		if dt := d.term(match); !ok || dt != t {
			v.err = c.violation(MatchEarned, n, "the leader of term %d counts its own log up to index %d, but a crash now would recover entries up to %d only", term, match, d.lastIndex())
		}
		return
	}
	if match > p.acked {
		v.err = c.violation(MatchEarned, n, "the leader of term %d holds match index %d for node %d, which acknowledged only up to %d in this term", term, match, peer, p.acked)
	}
}

// staleResponse is a response of an earlier term delivered to a leader.
type staleResponse struct {
	from, term uint64
	typ        raft.MessageType
}

// noteDelivered records what a message reaching leader n may change in
// the activation it starts: a rejection of its term may move the sender's
// next index back; a response of an earlier term may move nothing.
func (c *Checker) noteDelivered(n raftnode.View, st raft.Status, m raft.Message) {
	if st.State != raft.StateLeader || m.Type != raft.MsgAppResp && m.Type != raft.MsgHeartbeatResp {
		return
	}
	switch {
	case m.Term < st.Term:
		c.staleTo.put(n.ID(), staleResponse{from: m.From, term: m.Term, typ: m.Type})
	case m.Type == raft.MsgAppResp && m.Reject:
		c.noteRejection(n.ID(), m.From)
	}
}

// noteRejection records a rejected append reaching leader, which may move
// the rejecting follower's next index back in the activation it starts.
func (c *Checker) noteRejection(leader, follower uint64) {
	if c.rejectedBy[leader] == nil {
		c.rejectedBy[leader] = map[uint64]bool{}
	}
	c.rejectedBy[leader][follower] = true
}
