package invariant

import (
	"math"
	"slices"

	"raftcheck/harness/raftnode"
	"raftcheck/raft"
)

// How a node may start an election. The timer rules are checked after each
// activation of a node (a tick, a message), where a campaign begins; the
// request's content is checked on the wire.
//
// A node told by its leader to campaign (MsgTimeoutNow, transfer.go)
// campaigns at once, with no timer and no pre-vote. A request may name
// the last entry a snapshot covers, which the node held when it took or
// installed it. The quorums are counted in the candidate's configuration
// (membership.go).
const (
	// ElectionTimer is Figure 2 ("Followers"): a node starts an election
	// only once an election timeout has passed since it last heard from
	// the leader of its term, granted a vote, started an election, or
	// booted (§5.2; the randomized timeout is never below ElectionTick).
	// A node that campaigns early disrupts a healthy leader, or splits
	// the vote it has just given.
	ElectionTimer = "Election Timer"
	// PreVoteQuorum is thesis §9.6: a pre-candidate becomes a candidate
	// only once a majority (itself included) granted its pre-vote for the
	// term it is about to take.
	PreVoteQuorum = "Pre-Vote Quorum"
	// OnlyVotersCampaign (thesis §4.2.1): a node campaigns only as a
	// voter of its configuration in force, or of its latest committed one
	// (a leader that appended its own removal and lost office): a learner,
	// or a node outside, cannot be elected, and its campaigns only race
	// its term ahead, to knock out a healthy leader with its replies.
	OnlyVotersCampaign = "Only Voters Campaign"
	// RemovedNodeIgnored (thesis §4.2.3): a node that hears from a
	// leader ignores vote and pre-vote requests from nodes outside its
	// configuration, term and all: a removed node that never learned it
	// was removed would otherwise raise the members' terms with every
	// campaign and depose their leader again and again. (Without a leader
	// it answers: its own configuration may be the stale one.)
	RemovedNodeIgnored = "Removed Node Ignored"
	// TruthfulRequest: a vote or pre-vote request names an entry the
	// candidate holds as its last (§5.4.1): the up-to-date check voters
	// make is only as good as what the request says.
	TruthfulRequest = "Truthful Request"
)

// campaigns is what the checker follows of each node's elections.
type campaigns struct {
	// timer counts the ticks since the node's election timer last had to
	// restart, up to ElectionTick.
	timer byNode[int]
	// last is the node's state after its previous activation.
	last byNode[campaignState]
	// grants are the pre-vote grants, by voter, that reached a
	// pre-candidate for the term it would take, since it became one;
	// votes the vote grants that reached a candidate for its term.
	grants map[uint64]map[uint64]bool
	votes  map[uint64]map[uint64]bool
	// held are the (index, term) entries each node has ever held, as its
	// last entry or written: a request's last entry must be one of them.
	held byNode[*heldEntries]
	// asked is the term of a vote request of a later term just delivered
	// to a node that led, which it must not step down for.
	asked byNode[askedLeader]
	// retries time each node's campaigns that follow one another with
	// nothing in between (retry.go).
	retries byNode[*retryTimer]
	// outsider is the highest term of a vote request from a node outside
	// the configuration just delivered to a node, which must not move to
	// that term for it (RemovedNodeIgnored).
	outsider byNode[outsiderRequest]
}

type outsiderRequest struct {
	from, term uint64
	typ        raft.MessageType
}

type askedLeader struct {
	term uint64
	typ  raft.MessageType
}

type campaignState struct {
	state      raft.StateType
	term, vote uint64
}

func newCampaigns() campaigns {
	return campaigns{
		grants: map[uint64]map[uint64]bool{},
		votes:  map[uint64]map[uint64]bool{},
	}
}

// restartTimer is an event after which a correct Raft's election timer
// starts from zero. The checker restarts its own count only on events
// where Raft must (Figure 2); Raft may restart on more, which only makes
// it campaign later, never earlier.
func (c *Checker) restartTimer(id uint64) { c.camp.timer.put(id, 0) }

// tickTimer counts a tick of node id; a leader hears from itself.
func (c *Checker) tickTimer(id uint64, leader bool) {
	switch t := c.camp.timer.at(id); {
	case leader:
		c.camp.timer.put(id, 0)
	case t < c.sticky.ElectionTick:
		c.camp.timer.put(id, t+1)
	}
	c.retryTick(id)
}

// campaignStarted is a new incarnation: its timer starts at boot, and its
// state is where the next activation's changes are measured from.
func (c *Checker) campaignStarted(n raftnode.View) {
	id := n.ID()
	c.restartTimer(id)
	c.retryStop(id)
	st := n.Status()
	c.camp.last.put(id, campaignState{state: st.State, term: st.Term, vote: st.Vote})
	delete(c.camp.grants, id)
	delete(c.camp.votes, id)
	held := c.heldBy(id)
	for i := st.Snapshot + 1; i <= st.LastIndex; i++ {
		if e, ok := n.Entry(i); ok {
			held.add(e.Index, e.Term)
		}
	}
}

// campaignHeld notes entries entering node id's log.
func (c *Checker) campaignHeld(id uint64, entries []raft.Entry) {
	for _, e := range entries {
		c.hold(id, e)
	}
}

func (c *Checker) hold(id uint64, e raft.Entry) {
	c.heldBy(id).add(e.Index, e.Term)
}

// heldBy is the set of entries node id has held.
func (c *Checker) heldBy(id uint64) *heldEntries { return entry(&c.camp.held, id) }

// heldEntries is a set of (index, term) pairs. Nearly every index is
// held in one term only, so that term is kept in a slice by index and
// the rare others in a map: a step adds its last entry without hashing.
// The slice holds 32-bit terms (a day's run holds millions of indexes on
// every node); a term beyond them goes to the map. Indexes at or below
// base are forgotten, once the slice holds twice keptIndexes: a node that
// names one of them (a removed node campaigning hours later) is taken to
// have held it, which loses a check, never makes a false one.
type heldEntries struct {
	base  uint64
	first []uint32 // first[i-1-base]: the first term held at index i, 0 if none
	more  map[indexTerm]bool
}

func (h *heldEntries) add(index, term uint64) {
	if index <= h.base {
		return
	}
	for h.base+uint64(len(h.first)) < index {
		h.first = append(h.first, 0)
	}
	switch t := uint64(h.first[index-1-h.base]); {
	case t == 0 && term <= math.MaxUint32:
		h.first[index-1-h.base] = uint32(term)
	case t != term:
		if h.more == nil {
			h.more = map[indexTerm]bool{}
		}
		h.more[indexTerm{index, term}] = true
	}
	if len(h.first) >= 2*keptIndexes {
		h.forgetOldest(keptIndexes)
	}
}

// forgetOldest keeps the latest keep indexes.
func (h *heldEntries) forgetOldest(keep int) {
	drop := len(h.first) - keep
	h.first = append(make([]uint32, 0, 2*keep), h.first[drop:]...)
	h.base += uint64(drop)
	for k := range h.more {
		if k.index <= h.base {
			delete(h.more, k)
		}
	}
}

func (h *heldEntries) has(index, term uint64) bool {
	switch {
	case h == nil || index == 0 || index > h.base+uint64(len(h.first)):
		return false
	case index <= h.base:
		return true // forgotten: taken as held
	}
	return uint64(h.first[index-1-h.base]) == term || h.more[indexTerm{index, term}]
}

// campaignDelivered notes a pre-vote grant reaching a pre-candidate for
// the term it would take, and a request of a later term reaching a leader
// that must ignore it: a pre-vote always, a vote with CheckQuorum (thesis
// §4.2.3: the leader hears from itself, so it is always within the
// election timeout that makes a node disregard vote requests).
func (c *Checker) campaignDelivered(n raftnode.View, st raft.Status, m raft.Message) {
	if st.State == raft.StateLeader && m.Term > st.Term && !isTransferVote(m) &&
		(m.Type == raft.MsgPreVote || m.Type == raft.MsgVote && c.sticky.CheckQuorum) {
		c.camp.asked.put(n.ID(), askedLeader{term: m.Term, typ: m.Type})
	}
	if (m.Type == raft.MsgVote || m.Type == raft.MsgPreVote) && m.Term > st.Term && !c.confOf(n.ID()).IsVoter(m.From) && c.inLease(n.ID()) {
		if o := c.camp.outsider.at(n.ID()); m.Term > o.term {
			c.camp.outsider.put(n.ID(), outsiderRequest{from: m.From, term: m.Term, typ: m.Type})
		}
	}
	if m.Reject {
		return
	}
	var grants map[uint64]map[uint64]bool
	switch {
	case m.Type == raft.MsgPreVoteResp && st.State == raft.StatePreCandidate && m.Term == st.Term+1:
		grants = c.camp.grants
	case m.Type == raft.MsgVoteResp && st.State == raft.StateCandidate && m.Term == st.Term:
		grants = c.camp.votes
	default:
		return
	}
	g := grants[n.ID()]
	if g == nil {
		g = map[uint64]bool{}
		grants[n.ID()] = g
	}
	g[m.From] = true
}

// grantedQuorum reports whether grants, with id's own, are a quorum of
// id's configuration.
func (c *Checker) grantedQuorum(id uint64, grants map[uint64]bool) (bool, raft.ConfState) {
	conf := c.confOf(id)
	return HasQuorum(conf, func(voter uint64) bool { return voter == id || grants[voter] }), conf
}

// campaignStepped checks what node n's last activation did to its
// elections: a campaign it began, a pre-candidacy it won, a vote it gave.
// st is n's status now.
func (c *Checker) campaignStepped(n raftnode.View, st raft.Status) error {
	id := n.ID()
	// A request names the last entry the log had when it was made, in
	// some activation; the entry may be gone by the time the request
	// leaves (a later term truncated it before it was ever written).
	if t, ok := c.termAt(n, st.LastIndex); ok && st.LastIndex > 0 {
		c.hold(id, raft.Entry{Index: st.LastIndex, Term: t})
	}
	now := campaignState{state: st.State, term: st.Term, vote: st.Vote}
	prev, known := c.camp.last.get(id)
	c.camp.last.put(id, now)
	if o, ok := c.camp.outsider.get(id); ok {
		c.camp.outsider.del(id)
		if known && now.term >= o.term && prev.term < o.term && len(c.confOf(id).Voters) > 0 {
			return c.violation(RemovedNodeIgnored, n, "moved from term %d to term %d on a %s from node %d, which is not a voter of its configuration %v", prev.term, now.term, o.typ, o.from, c.confOf(id))
		}
	}
	if a, ok := c.camp.asked.get(id); ok {
		c.camp.asked.del(id)
		if now.state != raft.StateLeader && now.term >= a.term {
			return c.violation(LeaderStickiness, n, "led term %d and stepped down to term %d for a %s: a leader disregards a request of a later term (a pre-vote always, a vote with CheckQuorum)", prev.term, now.term, a.typ)
		}
	}
	if !known || now == prev {
		return nil
	}
	promoted := prev.state == raft.StatePreCandidate && now.state == raft.StateCandidate && now.term == prev.term+1
	began := now.state == raft.StatePreCandidate && prev.state != raft.StatePreCandidate ||
		now.state == raft.StateCandidate && (prev.state != raft.StateCandidate || now.term > prev.term) && !promoted
	switch {
	case promoted:
		grants := c.camp.grants[id]
		delete(c.camp.grants, id)
		delete(c.camp.votes, id)
		if ok, conf := c.grantedQuorum(id, grants); !ok {
			return c.violation(PreVoteQuorum, n, "became a candidate for term %d with pre-votes from %s and itself, not a quorum of its configuration %v", now.term, idList(grants), conf)
		}
		c.restartTimer(id)
		return c.retryRound(n, false, false)
	case now.state == raft.StateLeader && prev.state == raft.StateCandidate && prev.term == now.term:
		// (A node that wins in the activation it campaigns in is its
		// configuration's only voter.)
		votes := c.camp.votes[id]
		delete(c.camp.votes, id)
		if ok, conf := c.grantedQuorum(id, votes); !ok {
			return c.violation(VoteQuorum, n, "became leader of term %d with votes from %s and itself, not a quorum of its configuration %v", now.term, idList(votes), conf)
		}
	case began && !c.mayCampaign(n):
		return c.violation(OnlyVotersCampaign, n, "became a %s in term %d, though it votes neither in its configuration %v nor in its committed one %v", now.state, now.term, c.confOf(id), c.confModel(id).at(st.Commit))
	case began:
		told := now.state == raft.StateCandidate && c.toldToCampaign(id, now.term)
		if c.sticky.ElectionTick > 0 && c.camp.timer.at(id) < c.sticky.ElectionTick && !told {
			return c.violation(ElectionTimer, n, "became a %s in term %d %d ticks after it last heard from a leader, granted a vote, campaigned or booted; the election timeout is at least %d ticks", now.state, now.term, c.camp.timer.at(id), c.sticky.ElectionTick)
		}
		delete(c.camp.grants, id)
		delete(c.camp.votes, id)
		c.restartTimer(id)
		return c.retryRound(n, true, now.state == raft.StatePreCandidate)
	case now.vote != 0 && now.vote != id && (now.vote != prev.vote || now.term != prev.term):
		c.restartTimer(id) // it granted a vote
	}
	c.retryStop(id)
	return nil
}

// campaignSent checks the last entry a vote or pre-vote request names,
// and times the round a pre-vote request begins.
func (c *Checker) campaignSent(n raftnode.View, m raft.Message) error {
	if m.Type != raft.MsgVote && m.Type != raft.MsgPreVote {
		return c.retrySent(n, m)
	}
	if m.Index != 0 && !c.camp.held.at(n.ID()).has(m.Index, m.LogTerm) {
		return c.violation(TruthfulRequest, n, "asked for a %s in term %d naming (index %d, term %d) as its last entry, an entry it never held", m.Type, m.Term, m.Index, m.LogTerm)
	}
	return c.retrySent(n, m)
}

// idList renders the nodes of a set in order, e.g. "(2 5)".
func idList(set map[uint64]bool) string {
	ids := make([]uint64, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return raft.ConfState{Voters: ids}.String()[len("voters="):]
}
