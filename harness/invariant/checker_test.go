package invariant_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness/invariant"
	"raftcheck/harness/raftnode"
	"raftcheck/raft"
	"raftcheck/raft/wal"
)

// fakeNode is a node whose state a test sets by hand, so that each
// invariant can be broken on purpose.
type fakeNode struct {
	id      uint64
	st      raft.Status
	log     []raft.Entry
	applied []raft.Entry
	match   map[uint64]uint64 // as leader: the match index of each voter
	next    map[uint64]uint64 // and its next index, match+1 if not set
	world   *fakeWorld
	// conf, when set, is the configuration the node says it has in
	// force; otherwise it is the initial one.
	conf *raft.ConfState
}

// ConfState is conf, or the initial configuration.
func (f *fakeNode) ConfState() raft.ConfState {
	switch {
	case f.conf != nil:
		return *f.conf
	case f.world == nil:
		return raft.ConfState{}
	}
	return raft.ConfState{Voters: f.world.voters}
}

func (f *fakeNode) SnapshotConf() raft.ConfState { return f.ConfState() }

func (f *fakeNode) ID() uint64           { return f.id }
func (f *fakeNode) Name() string         { return fmt.Sprintf("n%d", f.id) }
func (f *fakeNode) Status() raft.Status  { return f.st }
func (f *fakeNode) AppliedIndex() uint64 { return uint64(len(f.applied)) }

// Progress visits f.match, the match index a leader tracks per voter, in
// ID order.
func (f *fakeNode) Progress(visit func(id, match, next uint64)) {
	if f.st.State != raft.StateLeader {
		return
	}
	for id := uint64(1); id <= 64; id++ {
		if m, ok := f.match[id]; ok {
			next, set := f.next[id]
			if !set {
				next = m + 1
			}
			visit(id, m, next)
		}
	}
}

// Term is the term of the fake's entry at i (its log has no snapshot).
func (f *fakeNode) Term(i uint64) (uint64, bool) {
	if i == 0 {
		return 0, true
	}
	e, ok := f.Entry(i)
	return e.Term, ok
}

func (f *fakeNode) Entry(i uint64) (raft.Entry, bool) {
	if i == 0 || i > uint64(len(f.log)) {
		return raft.Entry{}, false
	}
	return f.log[i-1], true
}

// setLog gives the node a log of entries with the given terms and data
// "<index>@<term>" unless data overrides it.
func (f *fakeNode) setLog(terms ...uint64) {
	f.log = nil
	for i, t := range terms {
		f.log = append(f.log, raft.Entry{Index: uint64(i + 1), Term: t, Data: []byte(fmt.Sprintf("%d@%d", i+1, t))})
	}
	f.st.LastIndex = uint64(len(terms))
}

type fakeWorld struct {
	// snapshots, when set for a node, is its durable snapshot file.
	snapshots map[uint64][]byte
	now       time.Duration
	nodes     map[uint64]*fakeNode
	// durable, when set for a node, is its durable WAL; otherwise its
	// whole log and its term and vote are durable.
	durable  map[uint64][]byte
	rewrites uint64
	// voters are named only by the tests of durability: the others set
	// logs by hand on one node at a time.
	voters []uint64
}

func (w *fakeWorld) Voters() []uint64 { return w.voters }

// Durable re-encodes on every call, with a new rewrite count, since tests
// change logs by hand.
func (w *fakeWorld) Durable(id uint64) invariant.DurableFiles {
	w.rewrites++
	if b, ok := w.durable[id]; ok {
		return invariant.DurableFiles{WAL: b, Snapshot: w.snapshots[id], Rewrites: w.rewrites}
	}
	f := w.nodes[id]
	b := wal.AppendHardState(nil, raft.HardState{Term: f.st.Term, Vote: f.st.Vote})
	for _, e := range f.log {
		b = wal.AppendEntry(b, e)
	}
	return invariant.DurableFiles{WAL: b, Rewrites: w.rewrites}
}

func (w *fakeWorld) Now() time.Duration { return w.now }
func (w *fakeWorld) Live(id uint64) raftnode.View {
	if n, ok := w.nodes[id]; ok {
		return n
	}
	return nil
}

func newCluster(t *testing.T, n int) (*invariant.Checker, *fakeWorld, []*fakeNode) {
	t.Helper()
	w := &fakeWorld{now: 1500 * time.Millisecond, nodes: map[uint64]*fakeNode{}, durable: map[uint64][]byte{}}
	c := invariant.New(w, 77)
	var nodes []*fakeNode
	for i := 1; i <= n; i++ {
		f := &fakeNode{id: uint64(i), st: raft.Status{ID: uint64(i), State: raft.StateFollower}, world: w}
		w.nodes[f.id] = f
		nodes = append(nodes, f)
		require.NoError(t, c.Started(f))
	}
	return c, w, nodes
}

func requireViolation(t *testing.T, err error, want, node string) {
	t.Helper()
	var v *invariant.Violation
	require.True(t, errors.As(err, &v), "want a violation of %s, got %v", want, err)
	assert.Equal(t, want, v.Invariant)
	assert.Equal(t, node, v.Node)
	assert.Equal(t, 1500*time.Millisecond, v.At)
	assert.Equal(t, uint64(77), v.Seed)
	assert.Contains(t, v.Error(), "seed 77")
}

func TestElectionSafety(t *testing.T) {
	c, _, n := newCluster(t, 3)
	n[0].st.State, n[0].st.Term = raft.StateLeader, 2
	require.NoError(t, c.Stepped(n[0]))
	require.NoError(t, c.Stepped(n[0]), "the same leader again is fine")
	n[1].st.State, n[1].st.Term = raft.StateLeader, 3
	require.NoError(t, c.Stepped(n[1]), "a leader of another term is fine")

	n[2].st.State, n[2].st.Term = raft.StateLeader, 2
	requireViolation(t, c.Stepped(n[2]), invariant.ElectionSafety, "n3")
}

func TestLogMatching(t *testing.T) {
	tests := []struct {
		name     string
		prevTerm uint64
		entry    raft.Entry
		ok       bool
	}{
		{"the same entry after the same term", 1, raft.Entry{Index: 3, Term: 2, Data: []byte("x")}, true},
		{"the same index and term after a different term", 2, raft.Entry{Index: 3, Term: 2, Data: []byte("x")}, false},
		{"the same index and term with other data", 1, raft.Entry{Index: 3, Term: 2, Data: []byte("y")}, false},
		{"the same index and term as a no-op", 1, raft.Entry{Index: 3, Term: 2, Type: raft.EntryNoOp, Data: []byte("x")}, false},
		{"the same index in another term", 2, raft.Entry{Index: 3, Term: 3, Data: []byte("z")}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _, n := newCluster(t, 2)
			require.NoError(t, c.Appending(n[0], 1, []raft.Entry{{Index: 3, Term: 2, Data: []byte("x")}}))
			err := c.Appending(n[1], tc.prevTerm, []raft.Entry{tc.entry})
			if tc.ok {
				require.NoError(t, err)
			} else {
				requireViolation(t, err, invariant.LogMatching, "n2")
			}
		})
	}
}

func TestLogMatchingChecksARecoveredLog(t *testing.T) {
	c, _, n := newCluster(t, 2)
	require.NoError(t, c.Appending(n[0], 0, []raft.Entry{{Index: 1, Term: 1, Data: []byte("a")}, {Index: 2, Term: 1, Data: []byte("b")}}))
	n[1].log = []raft.Entry{{Index: 1, Term: 1, Data: []byte("a")}, {Index: 2, Term: 1, Data: []byte("torn?")}}
	n[1].st.LastIndex = 2
	requireViolation(t, c.Started(n[1]), invariant.LogMatching, "n2")
}

func TestLeaderCompletenessForANewLeader(t *testing.T) {
	c, _, n := newCluster(t, 3)
	n[0].setLog(1, 2)
	n[0].st.State, n[0].st.Term, n[0].st.Commit = raft.StateLeader, 2, 2
	require.NoError(t, c.Stepped(n[0]), "the leader of term 2 commits index 2")

	n[1].setLog(1)
	n[1].st.State, n[1].st.Term = raft.StateLeader, 3
	requireViolation(t, c.Stepped(n[1]), invariant.LeaderCompleteness, "n2")
}

func TestLeaderCompletenessForALiveLaterLeader(t *testing.T) {
	c, _, n := newCluster(t, 3)
	// n2 leads term 3 with a log that lacks index 2...
	n[1].setLog(1)
	n[1].st.State, n[1].st.Term = raft.StateLeader, 3
	require.NoError(t, c.Stepped(n[1]))
	// ...when the stale leader of term 2 commits index 2.
	n[0].setLog(1, 2)
	n[0].st.State, n[0].st.Term, n[0].st.Commit = raft.StateLeader, 2, 2
	requireViolation(t, c.Stepped(n[0]), invariant.LeaderCompleteness, "n2")
}

func TestLeaderCompletenessAllowsALaterLeaderThatHoldsTheEntry(t *testing.T) {
	c, _, n := newCluster(t, 3)
	n[1].setLog(1, 2)
	n[1].st.State, n[1].st.Term = raft.StateLeader, 3
	require.NoError(t, c.Stepped(n[1]))
	n[0].setLog(1, 2)
	n[0].st.State, n[0].st.Term, n[0].st.Commit = raft.StateLeader, 2, 2
	require.NoError(t, c.Stepped(n[0]), "a stale leader committing what the new leader holds is legal")
}

func TestCommittedEntriesAgree(t *testing.T) {
	c, _, n := newCluster(t, 2)
	n[0].setLog(1, 1)
	n[0].st.Commit, n[0].st.Term = 2, 1
	require.NoError(t, c.Stepped(n[0]))
	n[1].setLog(1, 2)
	n[1].st.Commit, n[1].st.Term = 2, 2
	requireViolation(t, c.Stepped(n[1]), invariant.LeaderCompleteness, "n2")
}

func TestStateMachineSafety(t *testing.T) {
	c, _, n := newCluster(t, 2)
	e1 := raft.Entry{Index: 1, Term: 1, Data: []byte("a")}
	n[0].st.Commit = 1
	require.NoError(t, c.Applied(n[0], []raft.Entry{e1}))
	n[0].st = raft.Status{ID: 1}
	require.NoError(t, c.Started(n[0]))
	n[0].st.Commit = 1
	require.NoError(t, c.Applied(n[0], []raft.Entry{e1}), "a restarted node re-applies the same entry")

	n[1].st.Commit = 1
	requireViolation(t, c.Applied(n[1], []raft.Entry{{Index: 1, Term: 1, Data: []byte("b")}}), invariant.StateMachineSafety, "n2")
}

func TestStateMachineSafetyRejectsAGap(t *testing.T) {
	c, _, n := newCluster(t, 1)
	n[0].st.Commit = 5
	requireViolation(t, c.Applied(n[0], []raft.Entry{{Index: 2, Term: 1}}), invariant.StateMachineSafety, "n1")
}

func TestCommitMonotonicity(t *testing.T) {
	c, _, n := newCluster(t, 1)
	n[0].setLog(1, 1, 1, 1, 1)
	n[0].st.Commit = 5
	require.NoError(t, c.Stepped(n[0]))
	n[0].st.Commit = 3
	requireViolation(t, c.Stepped(n[0]), invariant.CommitMonotonicity, "n1")

	c, _, n = newCluster(t, 1)
	n[0].setLog(1, 1, 1, 1, 1)
	n[0].st.Commit = 5
	require.NoError(t, c.Stepped(n[0]))
	n[0].st.Commit = 3
	require.NoError(t, c.Started(n[0]), "a restarted node may recover a lower commit index")
	require.NoError(t, c.Stepped(n[0]))
}

func TestAppliedNeverExceedsCommitted(t *testing.T) {
	c, _, n := newCluster(t, 1)
	n[0].setLog(1, 1, 1)
	n[0].st.Commit, n[0].st.Applied = 2, 3
	requireViolation(t, c.Stepped(n[0]), invariant.AppliedCommitted, "n1")

	c, _, n = newCluster(t, 1)
	n[0].st.Commit = 1
	requireViolation(t, c.Applied(n[0], []raft.Entry{{Index: 1, Term: 1}, {Index: 2, Term: 1}}), invariant.AppliedCommitted, "n1")
}

// A leader that moves its commit index to an entry of an earlier term
// broke §5.4.2 (Figure 8's bug), even before any entry is lost; moving it
// to an entry of its own term, which commits the earlier ones with it, is
// the rule.
func TestCommitRule(t *testing.T) {
	c, _, n := newCluster(t, 3)
	n[0].setLog(1, 2, 2, 3)
	n[0].st.Commit, n[0].st.Term = 1, 2
	require.NoError(t, c.Stepped(n[0]), "a follower at commit 1")
	n[0].st.State, n[0].st.Term = raft.StateLeader, 3
	require.NoError(t, c.Stepped(n[0]), "a new leader keeps the commit index it had")
	n[0].st.Commit = 4
	require.NoError(t, c.Stepped(n[0]), "committing its own entry commits the earlier ones")

	c, _, n = newCluster(t, 3)
	n[0].setLog(1, 2, 2, 3)
	n[0].st.Commit, n[0].st.Term = 1, 2
	require.NoError(t, c.Stepped(n[0]))
	n[0].st.State, n[0].st.Term = raft.StateLeader, 3
	require.NoError(t, c.Stepped(n[0]))
	n[0].st.Commit = 3
	requireViolation(t, c.Stepped(n[0]), invariant.CommitRule, "n1")

	c, _, n = newCluster(t, 3)
	n[1].setLog(1, 2, 2)
	n[1].st.Commit, n[1].st.Term = 3, 3
	require.NoError(t, c.Stepped(n[1]), "a follower learns commits of any term from its leader")
}

// TestLogMatchingFarBelowTheCommitIndex checks Log Matching where the
// checker no longer keeps every appended entry: an entry of the committed
// term must be the committed entry, after the committed entry's term; an
// entry of another term is a stale one, and passes.
func TestLogMatchingFarBelowTheCommitIndex(t *testing.T) {
	tests := []struct {
		name     string
		prevTerm uint64
		entry    raft.Entry
		ok       bool
	}{
		{"the committed entry", 1, raft.Entry{Index: 3, Term: 1, Data: []byte("3")}, true},
		{"the committed index and term with other data", 1, raft.Entry{Index: 3, Term: 1, Data: []byte("x")}, false},
		{"the committed entry after another term", 2, raft.Entry{Index: 3, Term: 1, Data: []byte("3")}, false},
		{"a stale entry of another term", 1, raft.Entry{Index: 3, Term: 2, Data: []byte("x")}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _, n := newCluster(t, 2)
			invariant.SetAppendedWindow(c, 2)
			var log []raft.Entry
			for i := uint64(1); i <= 8; i++ {
				log = append(log, raft.Entry{Index: i, Term: 1, Data: []byte{byte('0' + i)}})
			}
			require.NoError(t, c.Appending(n[0], 0, log))
			n[0].log, n[0].st.LastIndex, n[0].st.Term = log, 8, 1
			n[0].st.Commit = 8
			require.NoError(t, c.Stepped(n[0]))
			require.Equal(t, 3, invariant.AppendedKept(c), "indexes 6-8 kept, 1-5 forgotten")
			err := c.Appending(n[1], tc.prevTerm, []raft.Entry{tc.entry})
			if tc.ok {
				require.NoError(t, err)
			} else {
				requireViolation(t, err, invariant.LogMatching, "n2")
			}
		})
	}
}

// TestTheCheckerForgetsOnlyOldIndexes checks the window over committed and
// applied entries: State Machine Safety still judges the latest indexes,
// passes by those forgotten, and the count of committed entries is the
// run's.
func TestTheCheckerForgetsOnlyOldIndexes(t *testing.T) {
	c, _, n := newCluster(t, 2)
	invariant.SetKeptIndexes(c, 4)
	var log []raft.Entry
	for i := uint64(1); i <= 20; i++ {
		log = append(log, raft.Entry{Index: i, Term: 1, Data: []byte{byte(i)}})
	}
	require.NoError(t, c.Appending(n[0], 0, log))
	n[0].log, n[0].st.LastIndex, n[0].st.Term, n[0].st.Commit = log, 20, 1, 20
	require.NoError(t, c.Stepped(n[0]))
	require.NoError(t, c.Applied(n[0], log))
	assert.Equal(t, 20, c.Committed())

	n[1].st.Commit = 20
	other := func(i uint64) []raft.Entry { return []raft.Entry{{Index: i, Term: 1, Data: []byte("other")}} }
	require.NoError(t, c.Applied(n[1], other(2)), "index 2 is forgotten: nothing to compare it with")
	requireViolation(t, c.Applied(n[1], other(19)), invariant.StateMachineSafety, "n2")
}
