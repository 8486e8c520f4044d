package raft

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// snapMessage is a whole snapshot of index/term sent as one chunk by the
// leader of term, whose commit is commit.
func snapMessage(from, to, term, index, snapTerm, commit uint64, data string) Message {
	return Message{
		Type: MsgSnap, From: from, To: to, Term: term, Index: index, LogTerm: snapTerm, Commit: commit,
		Chunk: &SnapshotChunk{Meta: SnapshotMeta{Index: index, Term: snapTerm}, Total: uint64(len(data)), Data: []byte(data)},
	}
}

// leaveBehind elects node 1 and commits count commands with node behind
// cut off, which stays cut off.
func leaveBehind(n *network, behind uint64, count int) {
	n.elect(1)
	n.isolate(behind)
	proposeEach(n, 1, "cmd", count)
}

// proposeEach commits count commands through leader, one at a time.
func proposeEach(n *network, leader uint64, prefix string, count int) {
	for i := range count {
		n.propose(leader, fmt.Sprintf("%s-%02d", prefix, i))
		n.stabilize()
	}
}

func TestLaggingFollowerInstallsSnapshotInChunks(t *testing.T) {
	n := newNetwork(t, 3, testOptions{maxChunk: 16, snapshotEvery: 5})
	leaveBehind(n, 3, 30)
	require.Greater(t, n.status(1).Snapshot, uint64(1), "the leader compacted past what node 3 holds")
	n.heal()
	n.tickAndStabilize(3)

	lead, follower := n.status(1), n.status(3)
	require.Equal(t, lead.Commit, follower.Commit)
	require.Equal(t, lead.Commit, follower.Applied, "node 3 applied everything")
	require.Equal(t, n.nodes[1].applied, n.nodes[3].applied, "node 3's state machine is the leader's")
	require.NotZero(t, follower.Snapshot, "node 3 caught up from a snapshot")
	chunks := n.count(func(m Message) bool { return m.Type == MsgSnap && m.To == 3 })
	require.Greater(t, chunks, 2, "the snapshot went in several chunks")
	require.Equal(t, 1, n.installs, "one snapshot installed")
	n.requireNoStepErrors()
}

func TestLostChunkIsSentAgainAfterAHeartbeat(t *testing.T) {
	n := newNetwork(t, 3, testOptions{maxChunk: 8, snapshotEvery: 4})
	leaveBehind(n, 3, 12)
	n.heal()
	dropped := 0
	n.drop = func(m Message) bool {
		// Lose the second chunk once, and the answer to the third.
		lose := (m.Type == MsgSnap && m.Chunk.Offset == 8 && dropped == 0) ||
			(m.Type == MsgSnapResp && m.Offset == 24 && dropped == 1)
		if lose {
			dropped++
		}
		return lose
	}
	n.tickAndStabilize(10)
	require.Equal(t, 2, dropped)
	require.Equal(t, n.status(1).Commit, n.status(3).Applied, "node 3 caught up")
	require.Equal(t, n.nodes[1].applied, n.nodes[3].applied)
	n.requireNoStepErrors()
}

func TestRestartRecoversFromSnapshotAndLogSuffix(t *testing.T) {
	n := newNetwork(t, 3, testOptions{snapshotEvery: 3})
	n.elect(1)
	proposeEach(n, 1, "cmd", 10)
	before := n.status(2)
	require.NotZero(t, n.nodes[2].snap.Meta.Index)
	require.NotEmpty(t, n.nodes[2].log, "entries after the snapshot are in the durable log")
	n.crash(2)
	n.restart(2)
	after := n.status(2)
	require.Equal(t, before.Snapshot, after.Snapshot)
	require.Equal(t, before.LastIndex, after.LastIndex)
	require.Equal(t, n.nodes[2].snap.Meta.Index, after.Applied, "the state machine starts at the snapshot")
	n.stabilize()
	n.tickAndStabilize(2)
	require.Equal(t, n.nodes[1].applied, n.nodes[2].applied, "and re-applies only the suffix")
	n.requireNoStepErrors()
}

// A follower with the snapshot's last entry keeps the entries after it
// (Figure 13, step 6) and needs no state from the snapshot.
func TestSnapshotKeepsAMatchingSuffix(t *testing.T) {
	r := newTestRaft(t, 2, ids(3), testOptions{}, HardState{Term: 2}, entries(1, 1, 1, 2, 2))
	require.NoError(t, r.Step(snapMessage(1, 2, 2, 3, 1, 3, "state-at-3")))
	require.Equal(t, []uint64{1, 1, 1, 2, 2}, r.logTerms(), "the log is kept whole")
	require.Equal(t, uint64(3), r.log.committed)
	require.False(t, r.log.unstableSnapshot, "nothing to load: the entries are applied from the log")
	acks := ofType(r.readMessages(), MsgAppResp)
	require.Len(t, acks, 1)
	require.Equal(t, uint64(3), acks[0].Index)
}

func TestSnapshotDiscardsAConflictingLog(t *testing.T) {
	tests := []struct {
		name string
		log  []uint64
	}{
		{"a different term at the snapshot's index, and a suffix after it", []uint64{1, 1, 2, 2, 2, 2}},
		{"a log shorter than the snapshot", []uint64{1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newTestRaft(t, 2, ids(3), testOptions{}, HardState{Term: 3}, entries(tt.log...))
			r.persistAll()
			require.NoError(t, r.Step(snapMessage(1, 2, 3, 4, 3, 4, "state-at-4")))
			require.Equal(t, uint64(4), r.log.offset(), "the log starts after the snapshot")
			require.Equal(t, uint64(4), r.log.lastIndex(), "no entry of the old log is kept")
			require.Equal(t, uint64(4), r.log.committed)
			rn := &RawNode{raft: r}
			rd := rn.Ready()
			require.Equal(t, SnapshotMeta{Index: 4, Term: 3}, rd.Snapshot.Meta)
			require.Equal(t, "state-at-4", string(rd.Snapshot.Data))
			require.True(t, rd.MustSync)
			require.Empty(t, rd.Entries)
			require.Empty(t, rd.CommittedEntries, "nothing before the snapshot is applied")
			acks := ofType(rd.Messages, MsgAppResp)
			require.Len(t, acks, 1)
			require.Equal(t, uint64(4), acks[0].Index, "the acknowledgement waits in the Ready for the snapshot's fsync")
			rn.Advance(rd)
			require.Equal(t, uint64(4), rn.Status().Applied)
		})
	}
}

// A snapshot of what is already committed here changes nothing (the
// snapshot index never goes back).
func TestStaleSnapshotIsIgnored(t *testing.T) {
	r := newTestRaft(t, 2, ids(3), testOptions{}, HardState{Term: 2, Commit: 5}, entries(1, 1, 2, 2, 2, 2))
	r.persistAll()
	require.NoError(t, r.Step(snapMessage(1, 2, 2, 3, 1, 6, "old")))
	require.Equal(t, uint64(0), r.log.offset())
	require.Equal(t, uint64(6), r.log.lastIndex())
	require.False(t, r.log.unstableSnapshot)
	acks := ofType(r.readMessages(), MsgAppResp)
	require.Len(t, acks, 1)
	require.Equal(t, uint64(5), acks[0].Index, "tells the leader where it is")
}

// A chunk that is not the next one is answered with where to resume.
func TestOutOfOrderChunkAsksToResume(t *testing.T) {
	r := newTestRaft(t, 2, ids(3), testOptions{}, HardState{Term: 2}, nil)
	chunk := func(off uint64, data string) Message {
		m := snapMessage(1, 2, 2, 9, 2, 9, "")
		m.Chunk.Offset, m.Chunk.Total, m.Chunk.Data = off, 12, []byte(data)
		return m
	}
	require.NoError(t, r.Step(chunk(0, "abcd")))
	require.NoError(t, r.Step(chunk(8, "ijkl"))) // 4..8 was lost
	resps := ofType(r.readMessages(), MsgSnapResp)
	require.Len(t, resps, 2)
	require.Equal(t, uint64(4), resps[0].Offset)
	require.Equal(t, uint64(4), resps[1].Offset, "resume at the first byte missing")
	require.NoError(t, r.Step(chunk(4, "efgh")))
	require.NoError(t, r.Step(chunk(8, "ijkl")))
	require.True(t, r.log.unstableSnapshot)
	require.Equal(t, "abcdefghijkl", string(r.log.snapshot.Data))
}

// A leader that compacts again while a follower is receiving a snapshot
// finishes sending the one it started: restarting every transfer with each
// new snapshot can keep a slow follower from ever finishing one.
func TestTransferSurvivesTheLeaderCompactingAgain(t *testing.T) {
	n := newNetwork(t, 3, testOptions{maxChunk: 8, snapshotEvery: 3})
	leaveBehind(n, 3, 9)
	first := n.status(1).Snapshot
	n.heal()
	// Let the transfer start, then make the leader compact again.
	n.tick(1)
	for range 4 {
		n.handleReadies()
		n.deliverQueued()
	}
	require.Equal(t, first, n.raft(1).outgoing[3].Meta.Index, "the transfer of the first snapshot is under way")
	n.isolate(3)
	proposeEach(n, 1, "more", 6)
	require.Greater(t, n.status(1).Snapshot, first)
	n.heal()
	n.tickAndStabilize(10)
	require.Equal(t, n.status(1).Commit, n.status(3).Applied, "node 3 caught up")
	require.Equal(t, n.nodes[1].applied, n.nodes[3].applied)
	n.requireNoStepErrors()
}

func TestCompactRefusesWhatItCannotCompact(t *testing.T) {
	r := newTestRaft(t, 1, ids(1), testOptions{}, HardState{Term: 1, Commit: 3}, entries(1, 1, 1))
	rn := &RawNode{raft: r}
	_, err := rn.Compact(2, []byte("x"))
	require.ErrorIs(t, err, ErrUnavailable, "nothing applied yet")
	r.log.applying, r.log.applied = 3, 3
	snap, err := rn.Compact(2, []byte("x"))
	require.NoError(t, err)
	require.Equal(t, SnapshotMeta{Index: 2, Term: 1}, snap.Meta)
	_, err = rn.Compact(2, []byte("x"))
	require.ErrorIs(t, err, ErrCompacted)
	_, ok := rn.Entry(2)
	require.False(t, ok, "compacted")
	e, ok := rn.Entry(3)
	require.True(t, ok)
	require.Equal(t, uint64(3), e.Index)
}

func TestMalformedChunksAreRefused(t *testing.T) {
	base := func() Message { return snapMessage(1, 2, 2, 5, 2, 5, "abc") }
	tests := []struct {
		name   string
		mutate func(m *Message)
	}{
		{"runs past the end", func(m *Message) { m.Chunk.Total = 2 }},
		{"offset past the end", func(m *Message) { m.Chunk.Offset = 9 }},
		{"beyond the leader's commit", func(m *Message) { m.Commit = 4 }},
		{"from a later term", func(m *Message) { m.Chunk.Meta.Term, m.LogTerm = 3, 3 }},
		{"meta differs from the message", func(m *Message) { m.Index = 6 }},
		{"empty snapshot", func(m *Message) { m.Chunk.Meta, m.Index, m.LogTerm = SnapshotMeta{}, 0, 0 }},
		{"chunk on another type", func(m *Message) { m.Type = MsgApp }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newTestRaft(t, 2, ids(3), testOptions{}, HardState{Term: 2}, nil)
			m := base()
			tt.mutate(&m)
			require.ErrorIs(t, r.Step(m), ErrMalformedMessage)
		})
	}
}

func TestRecoveredSnapshotMustFitTheDurableState(t *testing.T) {
	tests := []struct {
		name string
		cfg  func(c *Config)
	}{
		{"entries do not follow the snapshot", func(c *Config) { c.Entries = entries(2, 2) }},
		{"snapshot above the term", func(c *Config) { c.Snapshot.Meta.Term = 5 }},
		{"entry below the snapshot's term", func(c *Config) {
			c.Entries = []Entry{{Index: 4, Term: 1}}
		}},
		{"index without a term", func(c *Config) { c.Snapshot.Meta.Term = 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testOptions{}.config(1, ids(3))
			cfg.HardState = HardState{Term: 3, Commit: 3}
			cfg.Snapshot = Snapshot{Meta: SnapshotMeta{Index: 3, Term: 2}}
			tt.cfg(&cfg)
			_, err := NewRawNode(cfg)
			require.ErrorIs(t, err, ErrInvalidConfig)
		})
	}
	cfg := testOptions{}.config(1, ids(3))
	cfg.HardState = HardState{Term: 3, Commit: 1}
	cfg.Snapshot = Snapshot{Meta: SnapshotMeta{Index: 3, Term: 2}, Data: []byte("s")}
	cfg.Entries = []Entry{{Index: 4, Term: 2}, {Index: 5, Term: 3}}
	rn, err := NewRawNode(cfg)
	require.NoError(t, err)
	st := rn.Status()
	require.Equal(t, uint64(3), st.Commit, "a snapshot is committed")
	require.Equal(t, uint64(3), st.Applied, "and loaded")
	require.Equal(t, uint64(3), st.Snapshot)
	require.Equal(t, uint64(5), st.LastIndex)
}

// A network that duplicates every chunk and every answer must not make the
// transfer's messages multiply: only an answer that moves the transfer on
// sends the next chunk.
func TestDuplicatedChunksDoNotMultiply(t *testing.T) {
	n := newNetwork(t, 3, testOptions{maxChunk: 8, snapshotEvery: 4})
	leaveBehind(n, 3, 12)
	n.heal()
	total := uint64(len(n.nodes[1].snap.Data))
	n.tick(1)
	for range 200 {
		n.handleReadies()
		batch := n.queue
		n.queue = nil
		for _, m := range batch {
			n.deliver(m)
			if m.Type == MsgSnap || m.Type == MsgSnapResp {
				n.deliver(m) // and again
			}
		}
	}
	require.Equal(t, n.status(1).Commit, n.status(3).Applied, "node 3 caught up")
	chunks := n.count(func(m Message) bool { return m.Type == MsgSnap })
	require.LessOrEqual(t, chunks, 2*int(total/8+1)+4, "chunks sent (each delivered twice) stay about one per piece of the snapshot")
}

// chunkOf is bytes [off, off+len(part)) of a snapshot of total bytes.
func chunkOf(from, to, term, index, snapTerm, commit, off, total uint64, part string) Message {
	m := snapMessage(from, to, term, index, snapTerm, commit, "")
	m.Chunk.Offset, m.Chunk.Total, m.Chunk.Data = off, total, []byte(part)
	return m
}

// Late copies of chunks never throw a transfer in progress away: one of an
// older snapshot (already committed here), or of the first chunk of this
// one.
func TestLateChunksKeepTheTransferInProgress(t *testing.T) {
	t.Run("a chunk of an older snapshot", func(t *testing.T) {
		r := newTestRaft(t, 2, ids(3), testOptions{}, HardState{Term: 2, Commit: 2}, entries(1, 1))
		r.persistAll()
		require.NoError(t, r.Step(chunkOf(1, 2, 2, 10, 2, 10, 0, 8, "abcd")))
		require.NoError(t, r.Step(chunkOf(1, 2, 2, 2, 1, 10, 0, 4, "zzzz")))
		require.NoError(t, r.Step(chunkOf(1, 2, 2, 10, 2, 10, 4, 8, "efgh")))
		require.Equal(t, uint64(10), r.log.offset(), "installed")
		require.Equal(t, "abcdefgh", string(r.log.snapshot.Data))
	})
	t.Run("a copy of the first chunk", func(t *testing.T) {
		r := newTestRaft(t, 2, ids(3), testOptions{}, HardState{Term: 2, Commit: 2}, entries(1, 1))
		r.persistAll()
		require.NoError(t, r.Step(chunkOf(1, 2, 2, 10, 2, 10, 0, 12, "abcd")))
		require.NoError(t, r.Step(chunkOf(1, 2, 2, 10, 2, 10, 4, 12, "efgh")))
		r.readMessages()
		require.NoError(t, r.Step(chunkOf(1, 2, 2, 10, 2, 10, 0, 12, "abcd")))
		resps := ofType(r.readMessages(), MsgSnapResp)
		require.Len(t, resps, 1)
		require.Equal(t, uint64(8), resps[0].Offset, "still holds what it had")
	})
}

// A late copy of the first chunk, arriving near the end of a transfer,
// costs a few chunks, not the whole transfer again.
func TestALateFirstChunkCostsLittle(t *testing.T) {
	n := newNetwork(t, 3, testOptions{maxChunk: 8, snapshotEvery: 4})
	leaveBehind(n, 3, 40)
	n.heal()
	var first *Message
	injected := false
	n.drop = func(m Message) bool {
		if m.Type == MsgSnap && m.Chunk.Offset == 0 && first == nil {
			c := m
			first = &c
		}
		if m.Type == MsgSnap && m.Chunk.Offset == 320 && !injected {
			injected = true
			n.queue = append(n.queue, *first)
		}
		return false
	}
	for ticks := 0; ticks < 200 && n.status(3).Applied < n.status(1).Commit; ticks++ {
		n.tickAndStabilize(1)
	}
	require.True(t, injected)
	require.Equal(t, n.status(1).Commit, n.status(3).Applied)
	size := len(n.raft(1).log.snapshot.Data)
	chunks := n.count(func(m Message) bool { return m.Type == MsgSnap && m.To == 3 })
	require.Less(t, chunks, (size+7)/8+5)
}
