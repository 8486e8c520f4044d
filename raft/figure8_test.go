package raft

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Figure 8 of the Raft paper, step by step, on five nodes S1..S5. It shows
// why a leader must not commit an entry of an earlier term by counting
// replicas (§5.4.2): such an entry can sit on a majority and still be
// overwritten by a later leader.
//
// Our leaders append a no-op when they take office, so the entries in the
// figure are those no-ops; indexes and terms are the paper's.
//
//	(a) S1 leads term 2 and gets its entry 2/t2 to S2 only.
//	(b) S1 crashes; S5 is elected in term 3 by S3, S4, S5 and writes
//	    2/t3 locally only.
//	(c) S5 crashes; S1 restarts, is elected in term 4, and replicates
//	    2/t2 to S3. Now 2/t2 is on S1, S2, S3: a majority. Its own 3/t4
//	    has not reached anyone.
//
// Then two endings:
//
//	(d) S1 crashes; S5 is elected in term 5 (its last term, 3, beats
//	    everyone's 2) and overwrites 2/t2 everywhere with 2/t3. Had S1
//	    committed 2/t2 in (c) because a majority held it, a committed entry
//	    would now be gone.
//	(e) Instead S1 first gets 3/t4 onto a majority. That commits 3 and,
//	    by Log Matching, 2/t2 before it; now S5 cannot win an election.
func TestFigure8(t *testing.T) {
	t.Run("d: an old-term entry on a majority is overwritten", func(t *testing.T) {
		n := figure8UpToC(t)

		// (d)
		n.crash(1)
		n.heal()
		n.restart(5)
		for i := 0; i < 5 && n.status(5).State != StateLeader; i++ {
			n.campaign(5)
		}
		require.Equal(t, StateLeader, n.status(5).State, n.describe())
		assert.Equal(t, uint64(5), n.status(5).Term)
		n.tickAndStabilize(3)
		for _, id := range []uint64{2, 3, 4, 5} {
			e, ok := n.nodes[id].rn.Entry(2)
			require.True(t, ok, "node %d", id)
			assert.Equal(t, uint64(3), e.Term, "node %d: 2/t2 was overwritten by 2/t3", id)
			assert.Equal(t, uint64(3), n.status(id).Commit, "node %d", id)
		}
		n.requireNoStepErrors()
	})

	t.Run("e: committing a current-term entry commits the old one", func(t *testing.T) {
		n := figure8UpToC(t)

		// (e) S1 replicates 3/t4 to S2 and S3 (S4 still cut off).
		n.mutate = nil
		n.tick(1)
		n.stabilize()
		assert.Equal(t, uint64(3), n.status(1).Commit, "3/t4 on a majority commits, and 2/t2 with it")

		n.crash(1)
		n.heal()
		n.restart(5)
		for range 5 {
			n.campaign(5)
			require.NotEqual(t, StateLeader, n.status(5).State,
				"S5's log (last term 3) is behind S2 and S3 (last term 4): it cannot win")
		}
		for i := 0; i < 200 && n.leader() == None; i++ {
			n.tickAndStabilize(1)
		}
		lead := n.leader()
		require.Contains(t, []uint64{2, 3}, lead, n.describe())
		n.tickAndStabilize(3)
		for _, id := range []uint64{2, 3, 4, 5} {
			e, ok := n.nodes[id].rn.Entry(2)
			require.True(t, ok)
			assert.Equal(t, uint64(2), e.Term, "node %d keeps the committed 2/t2", id)
		}
		n.requireNoStepErrors()
	})
}

// figure8UpToC builds situations (a) to (c) of TestFigure8 and checks
// each one.
func figure8UpToC(t *testing.T) *network {
	n := newNetwork(t, 5, testOptions{})

	// Term 1: S1 leads and commits 1/t1 everywhere.
	n.elect(1)
	require.Equal(t, uint64(1), n.status(1).Commit)

	// (a) S1 leads term 2; its appends reach only S2.
	n.crash(1)
	n.restart(1)
	n.drop = func(m Message) bool { return m.Type == MsgApp && m.From == 1 && m.To != 2 }
	n.elect(1)
	n.stabilize()
	require.Equal(t, uint64(2), n.status(1).Term)
	requireLogTerms(t, n, map[uint64][]uint64{1: {1, 2}, 2: {1, 2}, 3: {1}, 4: {1}, 5: {1}})
	require.Equal(t, uint64(1), n.status(1).Commit)

	// (b) S1 crashes. S5 wins term 3 with S3 and S4 (S2's log is ahead of
	// S5's, so S2 refuses) and its entry stays local.
	n.crash(1)
	n.drop = func(m Message) bool { return m.Type == MsgApp && m.From == 5 }
	n.elect(5)
	require.Equal(t, uint64(3), n.status(5).Term)
	requireLogTerms(t, n, map[uint64][]uint64{2: {1, 2}, 3: {1}, 4: {1}, 5: {1, 3}})

	// (c) S5 crashes; S1 restarts and wins term 4 (term 3 is lost: S3
	// and S4 voted for S5 in it). Appends to S4 are dropped and no append
	// may carry index 3, so only 2/t2 spreads, to S2 (which had it) and S3.
	n.crash(5)
	n.restart(1)
	n.drop = func(m Message) bool { return m.Type == MsgApp && m.To == 4 }
	n.mutate = func(m Message) Message {
		if m.Type == MsgApp {
			var keep []Entry
			for _, e := range m.Entries {
				if e.Index < 3 {
					keep = append(keep, e)
				}
			}
			m.Entries = keep
		}
		return m
	}
	for i := 0; i < 5 && n.status(1).State != StateLeader; i++ {
		n.campaign(1)
	}
	require.Equal(t, StateLeader, n.status(1).State, n.describe())
	require.Equal(t, uint64(4), n.status(1).Term)
	n.tick(1)
	n.stabilize()
	requireLogTerms(t, n, map[uint64][]uint64{1: {1, 2, 4}, 2: {1, 2}, 3: {1, 2}, 4: {1}})

	// The heart of Figure 8: index 2 is on a majority, yet not committed.
	r1 := n.raft(1)
	require.Equal(t, uint64(2), r1.trk.Progress[2].Match)
	require.Equal(t, uint64(2), r1.trk.Progress[3].Match)
	require.Equal(t, uint64(2), r1.trk.Committed(), "S1, S2 and S3 hold index 2")
	require.Equal(t, uint64(1), n.status(1).Commit, "2/t2 is from an earlier term: not committed by counting")
	return n
}

// requireLogTerms checks the terms of the given running nodes' logs.
func requireLogTerms(t *testing.T, n *network, want map[uint64][]uint64) {
	t.Helper()
	for _, id := range n.ids {
		if terms, ok := want[id]; ok {
			require.Equal(t, terms, n.raft(id).logTerms(), "log terms of node %d\n%s", id, n.describe())
		}
	}
}
