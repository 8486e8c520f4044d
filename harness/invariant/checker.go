package invariant

import (
	"bytes"
	"fmt"
	"time"

	"raftcheck/harness/raftnode"
	"raftcheck/raft"
)

// The invariants' names, as violations report them.
const (
	ElectionSafety     = "Election Safety"
	LogMatching        = "Log Matching"
	LeaderCompleteness = "Leader Completeness"
	StateMachineSafety = "State Machine Safety"
	CommitMonotonicity = "Commit Monotonicity"
	AppliedCommitted   = "Applied <= Committed"
	// CommitRule is §5.4.2: a leader commits entries of earlier terms only
	// by committing one of its own term after them, never by counting
	// their replicas (Figure 8), so a leader's commit index only ever moves
	// to an entry of its own term.
	CommitRule = "Commit Rule"
)

// Violation is an invariant found broken.
type Violation struct {
	Invariant string
	Node      string
	At        time.Duration // virtual time
	Seed      uint64
	Detail    string
}

// Attribution names the node and the virtual time of the violation, which
// its message already carries.
func (v *Violation) Attribution() (string, time.Duration) { return v.Node, v.At }

func (v *Violation) Error() string {
	return fmt.Sprintf("invariant %q violated on %s at %v (seed %d): %s", v.Invariant, v.Node, v.At, v.Seed, v.Detail)
}

// World is what the checker needs of the simulation: the virtual time for
// its reports, which incarnation of each node is live (nil while it is
// crashed), since a crashed node's last state must not count, the voters,
// and what each node's disk holds durably, crashed or not.
type World interface {
	Now() time.Duration
	Live(id uint64) raftnode.View
	// Voters are the IDs of the voters of the initial configuration,
	// the one a log that starts at index 0 has in force; every later one
	// is in the log (membership.go).
	Voters() []uint64
	// Durable is the durable content of node id's files, which the
	// caller must not modify.
	Durable(id uint64) DurableFiles
}

// DurableFiles are what a node's disk holds durably: its WAL and its
// snapshot file (nil if none), and the count of durable rewrites of the
// disk (harness.Disk.DurableRewrites): while it stays the same, both files
// only grow.
type DurableFiles struct {
	WAL, Snapshot []byte
	Rewrites      uint64
}

// Checker is a raftnode.Observer shared by every node of one cluster.
//
// It keeps what the whole cluster has ever done: the leader of each term,
// a fingerprint of every (index, term) ever appended, every committed entry
// with the term it was committed in, and every entry ever applied. Indexes
// are dense, so most of this lives in slices indexed by log index.
type Checker struct {
	world World
	seed  uint64

	leaders map[uint64]uint64 // term -> the leader's ID
	// appended maps (index, term) to the entry first seen there and the
	// term of the entry before it: by induction on the index, equal
	// predecessors everywhere make equal prefixes (Log Matching).
	appended map[indexTerm]appendedEntry
	// appendedFloor is the lowest index appended still keeps: further
	// back, an entry of a committed index's term is checked against the
	// committed entry instead (forgetAppendedBelow).
	appendedFloor uint64
	// appendedWindow is appendedWindow, but for tests.
	appendedWindow uint64
	// committed[i-1] is the entry committed at index i and the term of the
	// leader that committed it (an upper bound when first seen on a
	// follower).
	committed window[committedEntry]
	// applied.at(i) is the entry first applied at index i by any node.
	applied window[entryPrint]
	// keep is keptIndexes, but for tests.
	keep int
	// lastCommit is the commit index each node has reached in its current
	// incarnation; ids are the nodes seen, sorted, for deterministic
	// iteration.
	lastCommit byNode[uint64]
	ids        []uint64

	// What the wire checks (wire.go) remember: each node's durable state,
	// every vote granted, and whether each vote request was up-to-date
	// when delivered.
	durables byNode[*durableLog]
	votes    map[voteKey]uint64
	requests map[requestKey]requestState
	// sticky and lease are the leader-stickiness rule (lease.go).
	sticky Stickiness
	lease  leaseClock
	camp   campaigns
	// tracks are each leader's view of its followers in its latest
	// term: match, next and what they acknowledged; rejectedBy the
	// followers whose rejection, and staleTo the response of an earlier
	// term, that reached a leader in the activation being checked; visit
	// and visitPeer the progress visit in hand (progress.go).
	tracks    byNode[*leaderTrack]
	visit     progressVisit
	visitPeer func(peer, match, next uint64)
	// hints are the hints rejections of appends delivered must carry
	// (hint.go).
	hints      map[uint64]map[probeKey][]expectedHint
	rejectedBy map[uint64]map[uint64]bool
	staleTo    byNode[staleResponse]
	// latestLeaderTerm is the latest term a leader was seen in.
	latestLeaderTerm uint64
	// confs model each node's configuration, snapConfs hold the
	// configuration each snapshot taken must carry, and commitConfs the
	// configurations leaders committed in (membership.go).
	xfer        transfers
	flow        FlowBounds
	confs       byNode[*confModel]
	snapConfs   map[indexTerm]raft.ConfState
	commitConfs []confPoint
	// terms watches where each node's term comes from (term_learned.go).
	terms termWatch
	// initial is the initial configuration as made from the world's
	// voters initialFrom (initialConf).
	initial     raft.ConfState
	initialFrom []uint64
	// sem is what the system under test is judged by (semantics.go).
	sem Semantics
}

type indexTerm struct{ index, term uint64 }

type appendedEntry struct {
	prevTerm uint64
	entry    entryPrint
}

type committedEntry struct {
	entry  entryPrint
	inTerm uint64
	// byLeader says a leader's commit covered it, which Durable Quorum
	// checked against the disks of that moment.
	byLeader bool
}

// New returns a checker for the cluster in world, whose run has the given
// seed.
func New(world World, seed uint64) *Checker {
	c := &Checker{
		world:          world,
		seed:           seed,
		leaders:        map[uint64]uint64{},
		appended:       map[indexTerm]appendedEntry{},
		appendedWindow: appendedWindow,
		keep:           keptIndexes,
		votes:          map[voteKey]uint64{},
		requests:       map[requestKey]requestState{},
		camp:           newCampaigns(),
		hints:          map[uint64]map[probeKey][]expectedHint{},
		rejectedBy:     map[uint64]map[uint64]bool{},
		xfer:           newTransfers(),
		terms:          newTermWatch(),
	}
	c.visitPeer = c.visit.peer
	return c
}

var _ raftnode.Observer = (*Checker)(nil)

func (c *Checker) violation(invariant string, n raftnode.View, format string, args ...any) error {
	return &Violation{Invariant: invariant, Node: n.Name(), At: c.world.Now(), Seed: c.seed, Detail: fmt.Sprintf(format, args...)}
}

// Started registers a new incarnation and checks the log it recovered.
func (c *Checker) Started(n raftnode.View) error {
	id := n.ID()
	if _, known := c.lastCommit.get(id); !known {
		c.ids = insertSorted(c.ids, id)
	}
	st := n.Status()
	c.lastCommit.put(id, st.Commit)
	c.termStarted(id, st.Term)
	c.resetLease(id) // a node boots within its promise
	c.campaignStarted(n)
	delete(c.hints, id) // the rejections it had not sent are gone
	if err := c.confStarted(n, "recovered"); err != nil {
		return err
	}
	// Its first step begins with what it recovered, not with what it
	// had in force before the crash.
	c.confModel(id).beforeConf = c.confModel(id).latest()
	// The recovered log may hold entries no Appending call showed (a torn
	// write can keep records that were never synced): check them all.
	if st.Snapshot > 0 {
		// A snapshot a crash left durable before its install was
		// confirmed, or one the node took, is checked as any other.
		t, _ := n.Term(st.Snapshot)
		if err := c.checkSnapshot(n, "recovered", raft.SnapshotMeta{Index: st.Snapshot, Term: t}); err != nil {
			return err
		}
	}
	prevTerm, _ := c.termAt(n, st.Snapshot)
	for i := st.Snapshot + 1; i <= st.LastIndex; i++ {
		e, ok := n.Entry(i)
		if !ok {
			break
		}
		if err := c.checkAppended(n, prevTerm, e); err != nil {
			return err
		}
		prevTerm = e.Term
	}
	return c.Stepped(n)
}

// Wiped forgets what node id's disk held and the votes it gave: an
// operator replaced its disk. Its durable state is read afresh, empty.
func (c *Checker) Wiped(id uint64) {
	c.durables.del(id)
	for k := range c.votes {
		if k.voter == id {
			delete(c.votes, k)
		}
	}
}

// Appending checks Log Matching for entries entering n's log.
func (c *Checker) Appending(n raftnode.View, prevTerm uint64, entries []raft.Entry) error {
	c.campaignHeld(n.ID(), entries)
	for _, e := range entries {
		if err := c.checkAppended(n, prevTerm, e); err != nil {
			return err
		}
		prevTerm = e.Term
	}
	return nil
}

func (c *Checker) checkAppended(n raftnode.View, prevTerm uint64, e raft.Entry) error {
	if e.Index < c.appendedFloor {
		return c.checkAppendedCommitted(n, prevTerm, e)
	}
	key := indexTerm{e.Index, e.Term}
	seen, ok := c.appended[key]
	if !ok {
		c.appended[key] = appendedEntry{prevTerm: prevTerm, entry: printOf(e)}
		return nil
	}
	if seen.prevTerm != prevTerm {
		return c.violation(LogMatching, n, "entry %v follows an entry of term %d here but of term %d elsewhere", e, prevTerm, seen.prevTerm)
	}
	if !seen.entry.same(e) {
		return c.violation(LogMatching, n, "entry at index %d term %d differs: %v here, %s elsewhere", e.Index, e.Term, e, seen.entry.at(e.Index))
	}
	return nil
}

// appendedWindow is how many indexes below the highest committed one the
// appended map keeps: a run of a day commits millions of entries, and a
// map of every one was most of the checker's memory.
const appendedWindow = 1 << 16

// forgetAppendedBelow moves the appended map's floor up to appendedWindow
// below committed, once it is two windows behind, so the map's size stays
// under two windows and the walk to delete is paid once a window.
func (c *Checker) forgetAppendedBelow(committed uint64) {
	if committed < c.appendedFloor+2*c.appendedWindow {
		return
	}
	c.appendedFloor = committed - c.appendedWindow
	for key := range c.appended {
		if key.index < c.appendedFloor {
			delete(c.appended, key)
		}
	}
}

// checkAppendedCommitted is Log Matching for an entry below the appended
// map's floor, which is far below the commit index: an entry of the term
// committed there must be the committed entry and follow the committed
// one; an entry of another term is a stale, uncommitted one, which Raft
// overwrites, and its copies elsewhere are no longer known.
func (c *Checker) checkAppendedCommitted(n raftnode.View, prevTerm uint64, e raft.Entry) error {
	known, ok := c.committed.at(e.Index)
	if !ok || known.entry.term != e.Term {
		return nil // a stale entry, or one the checker knows nothing of (term 0)
	}
	if !known.entry.same(e) {
		return c.violation(LogMatching, n, "entry at index %d term %d differs: %v here, %s committed", e.Index, e.Term, e, known.entry.at(e.Index))
	}
	if want := c.committedTerm(e.Index - 1); want != 0 && prevTerm != want {
		return c.violation(LogMatching, n, "entry %v follows an entry of term %d here but the committed entry of term %d", e, prevTerm, want)
	}
	return nil
}

// Applied checks State Machine Safety for entries n applies.
func (c *Checker) Applied(n raftnode.View, entries []raft.Entry) error {
	if err := c.flowApplied(n, entries); err != nil && !c.sem.OwnTimers {
		return err
	}
	st := n.Status()
	for _, e := range entries {
		if e.Index > st.Commit {
			return c.violation(AppliedCommitted, n, "applied index %d beyond commit %d", e.Index, st.Commit)
		}
		if e.Index <= c.applied.len() {
			if first, ok := c.applied.at(e.Index); ok && !first.same(e) {
				return c.violation(StateMachineSafety, n, "applied %v at index %d, where %s was applied before", e, e.Index, first.at(e.Index))
			}
			continue
		}
		if e.Index != c.applied.len()+1 {
			return c.violation(StateMachineSafety, n, "applied index %d before index %d was ever applied", e.Index, c.applied.len()+1)
		}
		c.applied.push(printOf(e), c.keep)
	}
	if len(entries) > 0 {
		// Durable logs obey Log Matching too, so the last entry durable
		// on a majority makes every earlier one so.
		return c.checkDurableQuorum(n, "applies", entries[len(entries)-1], false)
	}
	return nil
}

// Stepped checks Election Safety, Leader Completeness, Commit Monotonicity
// and Applied <= Committed after n's latest activation.
func (c *Checker) Stepped(n raftnode.View) error {
	st := n.Status()
	id := n.ID()
	// What the node has in force as this step ends is what it has as
	// its next begins: taken after this step's checks have brought the
	// model up to date (a snapshot taken or installed in the next step
	// may move the model's start past it).
	m := c.confModel(id)
	defer func() { m.beforeConf = m.latest() }()
	if st.Applied > st.Commit {
		return c.violation(AppliedCommitted, n, "applied %d > commit %d", st.Applied, st.Commit)
	}
	if applied := n.AppliedIndex(); applied > st.Commit {
		return c.violation(AppliedCommitted, n, "the state machine applied up to %d but commit is %d", applied, st.Commit)
	}
	if err := c.checkConf(n, st); err != nil {
		return err
	}
	if err := c.checkLeaderConf(n, st); err != nil {
		return err
	}
	if !c.sem.OwnTimers {
		if err := c.transferStepped(n, st); err != nil {
			return err
		}
		if err := c.flowStepped(n, st); err != nil {
			return err
		}
		if err := c.campaignStepped(n, st); err != nil {
			return err
		}
	}
	// After the campaign checks, whose findings about a pre-vote are the
	// more particular.
	if err := c.checkTermLearned(n, st); err != nil {
		return err
	}
	if st.State == raft.StateLeader {
		leader, known := c.leaders[st.Term]
		switch {
		case known && leader != id:
			return c.violation(ElectionSafety, n, "two leaders in term %d: node %d and node %d", st.Term, leader, id)
		case !known:
			c.leaders[st.Term] = id
			c.latestLeaderTerm = max(c.latestLeaderTerm, st.Term)
			if err := c.checkNewLeaderHasCommitted(n, st.Term); err != nil {
				return err
			}
		}
	}
	if st.State != raft.StateLeader {
		delete(c.rejectedBy, id) // a rejection reaching a non-leader moves nothing
		c.staleTo.del(id)
	} else {
		if err := c.checkProgress(n, st.Term); err != nil {
			return err
		}
	}
	last := c.lastCommit.at(id)
	if st.Commit < last {
		return c.violation(CommitMonotonicity, n, "commit went back from %d to %d", last, st.Commit)
	}
	if st.Commit > last && st.State == raft.StateLeader {
		if e, ok := n.Entry(st.Commit); ok && e.Term != st.Term {
			return c.violation(CommitRule, n, "the leader of term %d moved its commit index from %d to %d, an entry of term %d: an earlier term's entry committed by counting replicas", st.Term, last, st.Commit, e.Term)
		}
	}
	if st.Commit > last {
		// Committed means durable on a majority: a leader counts a
		// follower only once it acknowledged, which it does once its
		// entries are durable, and itself only once its own are; a
		// follower commits only what its leader committed.
		if e, ok := n.Entry(st.Commit); ok {
			if err := c.checkDurableQuorum(n, "commits", e, st.State == raft.StateLeader); err != nil {
				return err
			}
		}
		inTerm := st.Term
		known := c.committed.len()
		// What a snapshot covers was checked when it was installed
		// (snapshot.go); the entries after it are in the log.
		for i := max(last, st.Snapshot) + 1; i <= st.Commit; i++ {
			e, ok := n.Entry(i)
			if !ok {
				return c.violation(AppliedCommitted, n, "commit %d but no entry at index %d", st.Commit, i)
			}
			// A leader removed by the entry it commits steps down in the
			// step that commits it: it still committed it as leader.
			byLeader := st.State == raft.StateLeader || c.leaders[st.Term] == id
			if err := c.recordCommitted(n, e, inTerm, byLeader); err != nil {
				return err
			}
		}
		if st.State == raft.StateLeader && st.Commit > known {
			c.committedIn(st.Commit, c.confOf(id))
		}
		c.lastCommit.put(id, st.Commit)
	}
	return nil
}

// recordCommitted notes that e is committed and checks that every node
// that knows it committed agrees on it, and that every live leader of a
// later term already holds it.
func (c *Checker) recordCommitted(n raftnode.View, e raft.Entry, inTerm uint64, byLeader bool) error {
	if e.Index <= c.committed.len() {
		known, ok := c.committed.at(e.Index)
		if !ok {
			return nil // forgotten: far behind every check (window.go)
		}
		if !known.entry.same(e) {
			return c.violation(LeaderCompleteness, n, "committed %v at index %d, where %s was committed in term %d", e, e.Index, known.entry.at(e.Index), known.inTerm)
		}
		if byLeader && inTerm < known.inTerm {
			known.inTerm = inTerm
		}
		known.byLeader = known.byLeader || byLeader
		return nil
	}
	if e.Index != c.committed.len()+1 {
		// A node's commit runs ahead of every commit seen so far only if
		// a commit was observed out of order; fill as we go.
		for c.committed.len()+1 < e.Index {
			i := c.committed.len() + 1
			var pe entryPrint
			if got, ok := n.Entry(i); ok {
				pe = printOf(got)
			} else if a, ok := c.applied.at(i); ok {
				pe = *a // n's snapshot covers it: it was applied
			}
			c.committed.push(committedEntry{entry: pe, inTerm: inTerm}, c.keep)
		}
	}
	c.committed.push(committedEntry{entry: printOf(e), inTerm: inTerm, byLeader: byLeader}, c.keep)
	c.forgetAppendedBelow(c.committed.len())
	for _, id := range c.ids {
		other := c.world.Live(id)
		if other == nil || id == n.ID() {
			continue
		}
		// A leader of a later term holds every committed entry; so does
		// the leader of this very term, since a follower commits only
		// what that leader sent it and the leader's log only grows.
		ost := other.Status()
		if ost.State != raft.StateLeader || ost.Term < inTerm || e.Index <= ost.Snapshot {
			continue // (what its snapshot covers, it applied)
		}
		if got, ok := other.Entry(e.Index); !ok || !sameEntry(got, e) {
			return c.violation(LeaderCompleteness, other, "leader of term %d lacks %v, committed in term %d", ost.Term, e, inTerm)
		}
	}
	return nil
}

// checkNewLeaderHasCommitted checks that the new leader of term holds every
// entry committed in an earlier term.
func (c *Checker) checkNewLeaderHasCommitted(n raftnode.View, term uint64) error {
	// What its snapshot covers it applied, so that was checked as it was
	// applied: the walk starts after it (committed[i] is index i+1).
	for index := max(n.Status().Snapshot, c.committed.base) + 1; index <= c.committed.len(); index++ {
		ce, _ := c.committed.at(index)
		if ce.inTerm >= term || ce.entry.term == 0 {
			continue // (term 0: a place the checker filled without the entry)
		}
		if got, ok := n.Entry(index); !ok || !ce.entry.same(got) {
			return c.violation(LeaderCompleteness, n, "new leader of term %d lacks %s, committed in term %d", term, ce.entry.at(index), ce.inTerm)
		}
	}
	return nil
}

// Leaders returns the leader of each term seen so far, for reports.
func (c *Checker) Leaders() map[uint64]uint64 {
	out := make(map[uint64]uint64, len(c.leaders))
	for t, id := range c.leaders {
		out[t] = id
	}
	return out
}

// Committed is the number of entries known committed.
func (c *Checker) Committed() int { return int(c.committed.len()) }

func sameEntry(a, b raft.Entry) bool {
	return a.Index == b.Index && a.Term == b.Term && a.Type == b.Type && bytes.Equal(a.Data, b.Data)
}

func insertSorted(ids []uint64, id uint64) []uint64 {
	i := 0
	for i < len(ids) && ids[i] < id {
		i++
	}
	ids = append(ids, 0)
	copy(ids[i+1:], ids[i:])
	ids[i] = id
	return ids
}
