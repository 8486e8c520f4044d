package invariant

import (
	"fmt"
	"slices"

	"raftcheck/harness/raftnode"
	"raftcheck/raft"
)

// What a node says must be true when it says it, and must survive a crash
// (Raft paper, Figure 2: "Updated on stable storage before responding to
// RPCs"). These invariants are checked on the wire, at the instant a
// message is sent or delivered (harness.Tap), against what each node's
// disk would give back after a crash at that instant. A node that votes,
// or acknowledges entries, before they are durable breaks nothing until it
// crashes at the wrong moment and a second leader or a lost commit
// follows; here the first such message fails the run.
const (
	// DurableBeforeSent: a granted vote, a vote request, an
	// acknowledgement of entries and any message of a term are sent only
	// once the vote, the term and the entries are on stable storage.
	DurableBeforeSent = "Durable Before Sent"
	// VoteOnce: a node grants at most one vote per term, across crashes
	// (§5.2).
	VoteOnce = "Vote Once"
	// UpToDateVote: a vote or pre-vote is granted only to a candidate whose
	// log is at least as up-to-date as the voter's (§5.4.1).
	UpToDateVote = "Up-to-date Vote"
	// TruthfulAck: a follower acknowledges index i in term t only if its
	// entry at i is the leader of t's entry at i (§5.3).
	TruthfulAck = "Truthful Ack"
	// DurableCommit: every state a crash can leave on the disk (each
	// prefix of the WAL up to a record boundary) has a commit index that
	// its own log backs with the committed entry: a HardState's commit
	// never runs ahead of the entries already durable before it, and
	// never goes below the commit of the HardState durable before it.
	DurableCommit = "Durable Commit"
	// RecoverablePrefix: every state a crash can leave on the disk is one
	// the node's Raft recovers from: no entry of a later term than the
	// HardState durable before it, no terms going back along the log, no
	// vote without a term. A Ready's HardState is written before its
	// entries; the other order leaves, between the two, a node that
	// cannot restart.
	RecoverablePrefix = "Recoverable Prefix"
	// DurableQuorum: an entry is committed, or applied, only once a
	// majority of the voters hold it on stable storage (§5.3, §5.4:
	// committed means durable on a majority).
	DurableQuorum = "Durable Quorum"
)

type voteKey struct{ voter, term uint64 }

// unsettled is a view that can say its live state is ahead of what it has
// handed over (another system's node waiting for an fsync), when the
// rules that compare a message with the node's log must not judge it.
type unsettled interface{ Unsettled() bool }

type requestKey struct {
	candidate, voter, term uint64
	pre                    bool
}

// requestState is what the voter's side looked like when copies of one
// vote request reached it; each flag is true if it held for any copy.
type requestState struct {
	seen       bool
	upToDate   bool // the candidate's log was at least as up-to-date
	outOfLease bool // the voter was past its leader-stickiness promise
	// votedForCandidate: the voter had already voted for the candidate
	// in the request's term, so a grant repeats a vote, not a new one.
	votedForCandidate bool
	// transfer: a copy was marked as a transfer's (transfer.go), which a
	// voter grants within its promise.
	transfer bool
}

// Delivered records, for a vote or pre-vote request, whether the
// candidate's log is at least as up-to-date as the voter's as the voter
// receives it: the log the voter must compare with.
func (c *Checker) Delivered(to uint64, m raft.Message) error {
	n := c.world.Live(to)
	if n == nil {
		return nil
	}
	// Each rule reads the node's status as the message arrives, before it
	// is stepped: read once.
	st := n.Status()
	c.termHeard(to, m)
	if !c.sem.OwnTimers {
		c.heardFromLeader(n, st, m)
		c.campaignDelivered(n, st, m)
		c.transferDelivered(n, st, m)
		c.noteProbe(n, st, m)
	}
	c.noteDelivered(n, st, m)
	if m.Type != raft.MsgVote && m.Type != raft.MsgPreVote {
		return nil
	}
	lastTerm, _ := c.termAt(n, st.LastIndex)
	upToDate := m.LogTerm > lastTerm || (m.LogTerm == lastTerm && m.Index >= st.LastIndex)
	if s, ok := n.(unsettled); ok && s.Unsettled() {
		// Its live log may differ from the one it handed over (a leader's
		// append stepped while a Ready waits for its fsync), and it votes
		// by the live one: this copy cannot be judged.
		upToDate = true
	}
	key := requestKey{candidate: m.From, voter: to, term: m.Term, pre: m.Type == raft.MsgPreVote}
	// A request delivered twice is judged by its most favourable copy:
	// the voter's log may have grown in between, and the grant answers
	// one of them.
	rs := c.requests[key]
	rs.seen = true
	rs.upToDate = rs.upToDate || upToDate
	rs.outOfLease = rs.outOfLease || !c.inLease(to)
	rs.votedForCandidate = rs.votedForCandidate || (st.Term == m.Term && st.Vote == m.From)
	rs.transfer = rs.transfer || isTransferVote(m)
	c.requests[key] = rs
	return nil
}

// Sent checks a message node from sends against its durable state.
func (c *Checker) Sent(from uint64, m raft.Message) error {
	n := c.world.Live(from)
	if n == nil {
		return nil
	}
	d := c.durable(from)
	if d.err != nil {
		return c.violation(DurableBeforeSent, n, "its durable WAL cannot be recovered: %v", d.err)
	}
	if d.badCommit != "" {
		return c.violation(DurableCommit, n, "%s", d.badCommit)
	}
	if d.badPrefix != "" {
		return c.violation(RecoverablePrefix, n, "%s", d.badPrefix)
	}
	hs := d.hs
	if !c.sem.OwnTimers {
		if err := c.campaignSent(n, m); err != nil {
			return err
		}
		if err := c.transferSent(n, m); err != nil {
			return err
		}
		if err := c.flowSent(n, m); err != nil {
			return err
		}
		if err := c.checkHint(n, m); err != nil {
			return err
		}
	}
	granted := !m.Reject && (m.Type == raft.MsgVoteResp || m.Type == raft.MsgPreVoteResp)
	// A pre-vote request and a granted pre-vote carry a term no one has
	// adopted (thesis §9.6); every other message is of the sender's term.
	if m.Type != raft.MsgPreVote && !(granted && m.Type == raft.MsgPreVoteResp) && hs.Term < m.Term {
		return c.violation(DurableBeforeSent, n, "sent %s in term %d, but a crash now would recover term %d", m, m.Term, hs.Term)
	}
	switch {
	case m.Type == raft.MsgVote && hs.Term == m.Term && hs.Vote != from:
		return c.violation(DurableBeforeSent, n, "asked for votes in term %d before its vote for itself was durable (a crash now would recover vote %d)", m.Term, hs.Vote)
	case granted && m.Type == raft.MsgVoteResp:
		if hs.Term == m.Term && hs.Vote != m.To {
			return c.violation(DurableBeforeSent, n, "granted its vote in term %d to node %d before the vote was durable (a crash now would recover term %d, vote %d)", m.Term, m.To, hs.Term, hs.Vote)
		}
		key := voteKey{voter: from, term: m.Term}
		if prev, ok := c.votes[key]; ok && prev != m.To {
			return c.violation(VoteOnce, n, "voted for node %d in term %d, having voted for node %d in that term", m.To, m.Term, prev)
		}
		c.votes[key] = m.To
	}
	if granted {
		key := requestKey{candidate: m.To, voter: from, term: m.Term, pre: m.Type == raft.MsgPreVoteResp}
		req := c.requests[key]
		if req.seen && !req.upToDate {
			return c.violation(UpToDateVote, n, "granted a %s in term %d to node %d, whose log was less up-to-date than its own when it asked", m.Type, m.Term, m.To)
		}
		if !c.sem.OwnTimers {
			if err := c.checkSticky(n, m, req); err != nil {
				return err
			}
		}
	}
	if voted, ok := c.votes[voteKey{voter: from, term: hs.Term}]; ok && hs.Vote != voted {
		// A vote, once granted, is a promise for the whole term: the
		// durable state must keep it, through every rewrite of the disk
		// (a second grant is Vote Once's, above).
		return c.violation(DurableBeforeSent, n, "granted its vote in term %d to node %d, but a crash now would recover vote %d in that term", hs.Term, voted, hs.Vote)
	}
	// An acknowledgement of an earlier term than the durable one is
	// stale: the node has moved to a leader of a later term, who won its
	// election without this node's vote for the old entries, so the old
	// leader cannot count it into a majority that matters. (It happens
	// when a Ready batches an ack with a later term's truncation.)
	if m.Type == raft.MsgAppResp && !m.Reject && m.Index > 0 {
		c.recordAck(m.To, m.Term, from, m.Index)
		if hs.Term == m.Term {
			return c.checkAck(n, d, m)
		}
	}
	return nil
}

// checkAck checks a successful MsgAppResp: the entries it acknowledges are
// durable, and are the leader's.
func (c *Checker) checkAck(n raftnode.View, d *durableLog, m raft.Message) error {
	term := d.term(m.Index)
	if term == 0 {
		return c.violation(DurableBeforeSent, n, "acknowledged index %d in term %d, but a crash now would recover entries up to %d only", m.Index, m.Term, d.lastIndex())
	}
	leaderID, known := c.leaders[m.Term]
	if !known || leaderID != m.To {
		return nil
	}
	leader := c.world.Live(leaderID)
	if leader == nil {
		return nil
	}
	if st := leader.Status(); st.Term != m.Term || st.State != raft.StateLeader {
		return nil // the leader moved on; its log may have changed since
	}
	lt, ok := c.termAt(leader, m.Index)
	switch {
	case !ok:
		return c.violation(TruthfulAck, n, "acknowledged index %d in term %d, which the leader of term %d does not hold", m.Index, m.Term, m.Term)
	case lt != term:
		return c.violation(TruthfulAck, n, "acknowledged index %d in term %d holding an entry of term %d, where the leader holds one of term %d", m.Index, m.Term, term, lt)
	}
	return nil
}

// checkDurableQuorum checks that e, which n commits or applies (what), is
// durable where it must be. A leader (byLeader) commits only what a
// quorum of its configuration holds durably: the commit rule. A follower
// learns the commit from a leader, which checked that rule when it
// committed (committedConf); what must stay true after is that no leader
// lacking e can be elected, in the configuration of that leader, of the
// follower, or of the leader it follows now: the nodes without e are no
// majority (Blocks). Membership changes can bring that down from a
// majority to exactly half: a voter added with an empty disk holds
// nothing until it catches up, and Raft needs it to hold e before the
// change commits, not before.
func (c *Checker) checkDurableQuorum(n raftnode.View, what string, e raft.Entry, byLeader bool) error {
	if !byLeader && e.Index <= c.committed.len() {
		if known, ok := c.committed.at(e.Index); !ok || known.byLeader && known.entry.same(e) {
			// A leader committed it, checked against the disks then: a
			// follower that learns of it later only follows, and a disk
			// wiped since (the operator's replacement) took no
			// acknowledgement back.
			return nil
		}
	}
	durable := func(id uint64) bool { return c.durable(id).term(e.Index) == e.Term }
	conf := c.confOf(n.ID())
	if len(conf.Voters) == 0 && len(c.world.Voters()) == 0 {
		return nil // a world that names no voters is not judged here
	}
	if HasQuorum(conf, durable) {
		return nil
	}
	if c.sem.ConfOnApply {
		// A change takes effect when applied, after it commits: the
		// entries up to it committed in the configuration before it, or
		// in the one the node had applied as this step began (a leader
		// commits on in its old configuration while the Ready that
		// applies a change waits for its fsync).
		m := c.confModel(n.ID())
		if HasQuorum(m.at(e.Index-1), durable) || HasQuorum(m.beforeConf, durable) {
			return nil
		}
	}
	if !byLeader {
		committed, ok := c.committedConf(e.Index)
		confs := []raft.ConfState{conf}
		if ok {
			confs = append(confs, committed)
		}
		if st := n.Status(); st.Lead != raft.None && st.Lead != n.ID() {
			if l := c.world.Live(st.Lead); l != nil && l.Status().Term == st.Term {
				confs = append(confs, c.confOf(st.Lead))
			}
		}
		for _, cs := range confs {
			if HasQuorum(cs, durable) || ok && Blocks(cs, durable) {
				return nil
			}
		}
	}
	return c.violation(DurableQuorum, n, "%s %v, which is not durable on a quorum of %v: %s", what, e, conf, c.durableSummary(conf, e.Index))
}

// durableSummary says what each voter of conf has on disk at index, for a
// report.
func (c *Checker) durableSummary(conf raft.ConfState, index uint64) string {
	ids := slices.Clone(conf.Voters)
	for _, id := range conf.VotersOutgoing {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	s := ""
	for i, id := range ids {
		if i > 0 {
			s += ", "
		}
		d := c.durable(id)
		if t := d.term(index); t != 0 {
			s += fmt.Sprintf("node %d term %d", id, t)
		} else {
			s += fmt.Sprintf("node %d none (durable up to %d)", id, d.lastIndex())
		}
	}
	return s
}

// durable is node id's durable state, brought up to date.
func (c *Checker) durable(id uint64) *durableLog {
	d, ok := c.durables.get(id)
	if !ok {
		// The checker's lookups are bound once: a method value made on
		// every call would be an allocation for every message sent.
		d = &durableLog{committedTerm: c.committedTerm, coveredTerm: c.appliedTerm, laterTermsRecover: c.sem.EntriesBeforeHardState}
		c.durables.put(id, d)
	}
	f := c.world.Durable(id)
	d.catchUp(f.WAL, f.Snapshot, f.Rewrites)
	return d
}
