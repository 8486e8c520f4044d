package raft

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A node restarted from its durable state resumes as a follower in its
// term, with its vote, log and commit index.
func TestRestartRestoresDurableState(t *testing.T) {
	o := testOptions{}
	cfg := o.config(2, ids(3))
	cfg.HardState = HardState{Term: 5, Vote: 3, Commit: 2}
	cfg.Entries = entries(1, 4, 5)
	cfg.Applied = 1
	rn, err := NewRawNode(cfg)
	require.NoError(t, err)
	assert.Equal(t, Status{
		ID: 2, Term: 5, Vote: 3, Lead: None, State: StateFollower,
		Commit: 2, Applied: 1, LastIndex: 3, Persisted: 3,
	}, rn.Status())

	// Nothing to persist; entry 2 (committed, after Applied) to apply.
	require.True(t, rn.HasReady())
	rd := rn.Ready()
	assert.True(t, rd.HardState.IsEmpty())
	assert.Empty(t, rd.Entries)
	assert.Equal(t, entries(1, 4)[1:], rd.CommittedEntries)
	rn.Advance(rd)
	assert.False(t, rn.HasReady())
}

// A commit index that reached disk while its entries did not is clamped to
// the last durable entry, and the clamped value is written back.
func TestRestartClampsCommitToDurableLog(t *testing.T) {
	cfg := testOptions{}.config(1, ids(3))
	cfg.HardState = HardState{Term: 2, Commit: 9}
	cfg.Entries = entries(1, 2)
	rn, err := NewRawNode(cfg)
	require.NoError(t, err)
	assert.Equal(t, uint64(2), rn.Status().Commit)
	rd := rn.Ready()
	assert.Equal(t, HardState{Term: 2, Commit: 2}, rd.HardState)
	assert.False(t, rd.MustSync, "lowering commit needs no fsync")
	assert.Len(t, rd.CommittedEntries, 2)
}

// The whole cluster crashes and restarts from disk: committed entries are
// all still there, re-applied in the same order, and the cluster carries on.
func TestWholeClusterRestart(t *testing.T) {
	n := newNetwork(t, 3, testOptions{})
	n.elect(1)
	for _, s := range []string{"a", "b", "c"} {
		n.propose(1, s)
	}
	n.stabilize()
	before := n.nodes[2].applied
	require.Len(t, before, 4)

	for _, id := range n.ids {
		n.crash(id)
	}
	for _, id := range n.ids {
		n.restart(id)
		assert.Equal(t, uint64(4), n.status(id).Commit, "node %d", id)
		assert.Equal(t, uint64(1), n.status(id).Term)
	}
	n.stabilize()
	assert.Equal(t, before, n.nodes[2].applied, "re-applied from scratch, same entries")

	for i := 0; i < 100 && n.leader() == None; i++ {
		n.tickAndStabilize(1)
	}
	lead := n.leader()
	require.NotEqual(t, None, lead)
	n.propose(lead, "d")
	n.stabilize()
	for _, id := range n.ids {
		assert.Equal(t, uint64(6), n.status(id).Commit, "node %d: after the new leader's no-op and d", id)
	}
	n.requireNoStepErrors()
}

// A follower acknowledges entries only in the Ready that persists them, so
// an acknowledged entry survives a crash. Crashing after persisting but
// before sending loses nothing the leader was told about.
func TestAcknowledgedEntriesSurviveCrash(t *testing.T) {
	n := newNetwork(t, 3, testOptions{})
	n.elect(1)
	n.propose(1, "x")
	n.handleReadies() // the leader persists and queues its appends

	n.deliverQueued()
	rn := n.nodes[2].rn
	rd := rn.Ready()
	require.Len(t, rd.Entries, 1)
	acks := ofType(rd.Messages, MsgAppResp)
	require.Len(t, acks, 1)
	assert.Equal(t, rd.Entries[0].Index, acks[0].Index, "the ack covers exactly the entries in the same Ready")

	// Node 2 persists and crashes before sending the ack.
	nd := n.nodes[2]
	nd.log = append(nd.log, rd.Entries...)
	n.crash(2)
	n.restart(2)
	assert.Equal(t, uint64(2), n.status(2).LastIndex)
	e, ok := n.nodes[2].rn.Entry(2)
	require.True(t, ok)
	assert.Equal(t, []byte("x"), e.Data)
}

// A crashed leader's successor keeps every committed entry, and the old
// leader rejoins as a follower with the same log.
func TestLeaderCrashKeepsCommittedEntries(t *testing.T) {
	n := newNetwork(t, 5, testOptions{preVote: true, checkQuorum: true})
	n.elect(1)
	for range 5 {
		n.propose(1, "x")
	}
	n.stabilize()
	committed := n.status(1).Commit
	n.crash(1)
	for i := 0; i < 200 && n.leader() == None; i++ {
		n.tickAndStabilize(1)
	}
	lead := n.leader()
	require.NotEqual(t, None, lead)
	n.restart(1)
	n.tickAndStabilize(3)
	assert.Equal(t, n.raft(lead).logTerms(), n.raft(1).logTerms())
	assert.Greater(t, n.status(1).Commit, committed, "the new leader's no-op committed too")
	assert.Equal(t, lead, n.status(1).Lead)
	n.requireNoStepErrors()
}
