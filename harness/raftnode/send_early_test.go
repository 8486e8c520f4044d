package raftnode_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness"
	"raftcheck/harness/cluster"
	"raftcheck/harness/raftnode"
	"raftcheck/raft"
	"raftcheck/raft/wal"
)

// fsync is the slow disk of these tests: every fsync takes this long, far
// more than a network hop, so whether a message waited for one shows in
// its send time.
const (
	fsync = 10 * time.Millisecond
	hop   = time.Millisecond
)

// sentMsg is a Raft message as it left its sender, with what the sender's
// disk would have given back after a crash at that instant.
type sentMsg struct {
	at      time.Duration
	msg     raft.Message
	durable wal.State
}

// delivery is a Raft message as it reached its receiver.
type delivery struct {
	at  time.Duration
	msg raft.Message
}

// wireLog is a harness.Tap that keeps every Raft message sent and
// delivered. It only reads the world.
type wireLog struct {
	t         *testing.T
	w         *harness.World
	sent      []sentMsg
	delivered []delivery
}

var _ harness.Tap = (*wireLog)(nil)

func (l *wireLog) Sent(from, _ harness.Addr, payload any) {
	env, ok := payload.(raftnode.Envelope)
	if !ok {
		return
	}
	st, _, err := wal.Decode(l.w.Disk(from).Durable(raftnode.WALFile))
	require.NoError(l.t, err)
	l.sent = append(l.sent, sentMsg{at: l.w.Now(), msg: env.Msg, durable: st})
}

func (l *wireLog) Delivered(_, _ harness.Addr, payload any) {
	if env, ok := payload.(raftnode.Envelope); ok {
		l.delivered = append(l.delivered, delivery{at: l.w.Now(), msg: env.Msg})
	}
}

// appsCarrying are the MsgApps from leader that carry the entry at index.
func (l *wireLog) appsCarrying(leader, index uint64) []sentMsg {
	var out []sentMsg
	for _, s := range l.sent {
		if s.msg.Type != raft.MsgApp || s.msg.From != leader {
			continue
		}
		for _, e := range s.msg.Entries {
			if e.Index == index {
				out = append(out, s)
			}
		}
	}
	return out
}

func durableLastIndex(st wal.State) uint64 {
	if n := len(st.Entries); n > 0 {
		return st.Entries[n-1].Index
	}
	return 0
}

// slowDiskCluster is three nodes on a 1ms network whose every fsync takes
// 10ms, watched by the invariant checker, all messages recorded by the
// returned tap.
func slowDiskCluster(t *testing.T, sendsEarly bool) (*cluster.Cluster, *wireLog) {
	t.Helper()
	cfg := cluster.DefaultConfig(1)
	cfg.Nodes = 3
	cfg.Network = harness.NetworkConfig{Latency: harness.Constant(hop)}
	cfg.Disk = harness.DiskConfig{SyncLatency: harness.Constant(fsync)}
	cfg.Raft.LeaderSendsEarly = sendsEarly
	c, err := cluster.New(cfg)
	require.NoError(t, err)
	tap := &wireLog{t: t, w: c.World}
	c.World.AddTap(tap)
	return c, tap
}

// A leader's append of a new entry leaves at once with LeaderSendsEarly,
// while the leader's own fsync of the entry is still running; without it,
// the append waits for that fsync. Either way the invariants (among them
// Durable Quorum, which would catch a commit counting the leader's
// unsynced copy) hold and the entry commits.
func TestLeaderSendsEarly(t *testing.T) {
	for _, sendsEarly := range []bool{true, false} {
		name := "off"
		if sendsEarly {
			name = "on"
		}
		t.Run(name, func(t *testing.T) {
			c, tap := slowDiskCluster(t, sendsEarly)
			require.NoError(t, c.World.Run(time.Second), "an election on an idle cluster")
			leader := c.Leader()
			require.NotNil(t, leader)
			disk := c.World.Disk(c.Addr(leader.ID()))
			require.Equal(t, leader.Status().LastIndex, leader.Status().Persisted, "the leader is idle")

			index, _, err := leader.Propose([]byte("x"))
			require.NoError(t, err)
			proposedAt := c.World.Now()

			// Step until the leader's fsync of the entry completed and
			// both followers were sent it, noting when the fsync did.
			syncedAt := time.Duration(-1)
			stepUntil(t, c.World, time.Second, func() bool {
				if syncedAt < 0 {
					st, _, err := wal.Decode(disk.Durable(raftnode.WALFile))
					require.NoError(t, err)
					if durableLastIndex(st) >= index {
						syncedAt = c.World.Now()
					}
				}
				return syncedAt >= 0 && len(tap.appsCarrying(leader.ID(), index)) >= 2
			})
			assert.Equal(t, proposedAt+fsync, syncedAt, "the leader's fsync took the disk's latency")

			apps := tap.appsCarrying(leader.ID(), index)
			require.Len(t, apps, 2, "one append to each follower")
			for _, app := range apps {
				if sendsEarly {
					assert.Equal(t, proposedAt, app.at, "%s left as the entry was proposed", app.msg)
					assert.Less(t, app.at, syncedAt, "%s left before the leader's fsync completed", app.msg)
					assert.Less(t, durableLastIndex(app.durable), index, "%s left while the leader's disk lacked the entry", app.msg)
				} else {
					assert.Equal(t, syncedAt, app.at, "%s left as the leader's fsync completed", app.msg)
					assert.GreaterOrEqual(t, durableLastIndex(app.durable), index, "%s left once the leader's disk held the entry", app.msg)
				}
			}

			require.NoError(t, c.World.RunFor(100*time.Millisecond), "the invariants held")
			assert.GreaterOrEqual(t, leader.Status().Commit, index, "the entry committed")
		})
	}
}

// bareWorld is slowDiskCluster's network and disk with LeaderSendsEarly
// on, built by hand with no observer, so that no invariant checker stops
// the world first: a test's own assertions judge the nodes.
type bareWorld struct {
	w     *harness.World
	peers raftnode.Peers
	tap   *wireLog
}

func newBareWorld(t *testing.T) *bareWorld {
	t.Helper()
	w, err := harness.New(harness.Config{
		Seed:    1,
		Network: harness.NetworkConfig{Latency: harness.Constant(hop)},
		Disk:    harness.DiskConfig{SyncLatency: harness.Constant(fsync)},
	})
	require.NoError(t, err)
	b := &bareWorld{w: w, peers: raftnode.Peers{Addrs: []harness.Addr{0, 1, 2}}, tap: &wireLog{t: t, w: w}}
	cfg := raftnode.DefaultConfig()
	cfg.LeaderSendsEarly = true
	for _, id := range b.peers.IDs() {
		_, err := w.AddNode(fmt.Sprintf("n%d", id), raftnode.New(id, cfg, b.peers, nil, nil))
		require.NoError(t, err)
	}
	w.AddTap(b.tap)
	return b
}

func (b *bareWorld) live(id uint64) *raftnode.Node {
	a, _ := b.peers.Addr(id)
	n, _ := b.w.Node(a).(*raftnode.Node)
	return n
}

// leader is the live node leading the highest term, or nil.
func (b *bareWorld) leader() *raftnode.Node {
	var best *raftnode.Node
	for _, id := range b.peers.IDs() {
		if n := b.live(id); n != nil && n.Status().State == raft.StateLeader && (best == nil || n.Status().Term > best.Status().Term) {
			best = n
		}
	}
	return best
}

// A Ready that casts a vote waits for its fsync even with LeaderSendsEarly
// on: a candidate's vote requests leave only once its vote for itself is
// durable, a voter's grant only once its vote is, each a whole fsync after
// the vote was cast. Crashing the first leader forces a second election.
func TestAVoteNeverLeavesEarly(t *testing.T) {
	b := newBareWorld(t)
	w, peers, tap, live := b.w, b.peers, b.tap, b.live
	type campaign struct{ id, term uint64 }
	campaignedAt := map[campaign]time.Duration{}
	run := func(d time.Duration) {
		deadline := w.Now() + d
		for w.Now() < deadline && w.Step() {
			for _, id := range peers.IDs() {
				if n := live(id); n != nil {
					st := n.Status()
					k := campaign{id, st.Term}
					if _, seen := campaignedAt[k]; st.State == raft.StateCandidate && !seen {
						campaignedAt[k] = w.Now()
					}
				}
			}
		}
		require.NoError(t, w.Err())
	}
	run(time.Second)
	first := b.leader()
	require.NotNil(t, first)
	firstAddr, _ := peers.Addr(first.ID())
	require.NoError(t, w.Crash(firstAddr))
	run(time.Second)
	second := b.leader()
	require.NotNil(t, second)
	require.Greater(t, second.Status().Term, first.Status().Term)

	requests, grants := 0, 0
	for _, s := range tap.sent {
		m, hs := s.msg, s.durable.HardState
		switch {
		case m.Type == raft.MsgVote:
			requests++
			assert.Equal(t, raft.HardState{Term: m.Term, Vote: m.From}, raft.HardState{Term: hs.Term, Vote: hs.Vote},
				"%s at %v: the candidate's durable term and vote", m, s.at)
			at, ok := campaignedAt[campaign{m.From, m.Term}]
			if assert.True(t, ok, "%s at %v: its campaign was seen", m, s.at) {
				assert.GreaterOrEqual(t, s.at-at, fsync, "%s at %v: sent a whole fsync after the campaign at %v", m, s.at, at)
			}
		case m.Type == raft.MsgVoteResp && !m.Reject:
			grants++
			assert.Equal(t, raft.HardState{Term: m.Term, Vote: m.To}, raft.HardState{Term: hs.Term, Vote: hs.Vote},
				"%s at %v: the voter's durable term and vote", m, s.at)
			askedAt, ok := lastRequestBefore(tap.delivered, m.To, m.From, m.Term, s.at)
			if assert.True(t, ok, "%s at %v: its request was delivered", m, s.at) {
				assert.GreaterOrEqual(t, s.at-askedAt, fsync, "%s at %v: sent a whole fsync after the request arrived at %v", m, s.at, askedAt)
			}
		}
	}
	assert.GreaterOrEqual(t, requests, 4, "two campaigns in a cluster of three")
	assert.GreaterOrEqual(t, grants, 2, "two elections won")
}

// A follower's acknowledgement waits for its fsync even with
// LeaderSendsEarly on: only a leader sends early, and only because it
// does not count its own copy before the fsync; a follower's ack is what
// the leader counts.
func TestAFollowersAckNeverLeavesEarly(t *testing.T) {
	b := newBareWorld(t)
	require.NoError(t, b.w.Run(time.Second))
	leader := b.leader()
	require.NotNil(t, leader)
	for i := 0; i < 5; i++ {
		_, _, err := leader.Propose([]byte(fmt.Sprint("x", i)))
		require.NoError(t, err)
		require.NoError(t, b.w.RunFor(3*time.Millisecond))
	}
	require.NoError(t, b.w.RunFor(100*time.Millisecond))
	require.Equal(t, leader.Status().LastIndex, leader.Status().Commit, "every entry committed")

	acks := 0
	for _, s := range b.tap.sent {
		m := s.msg
		if m.Type != raft.MsgAppResp || m.Reject || m.Index == 0 {
			continue
		}
		acks++
		require.GreaterOrEqual(t, durableLastIndex(s.durable), m.Index, "%s at %v: the follower's disk holds what it acknowledges", m, s.at)
		le, ok := leader.Entry(m.Index)
		require.True(t, ok)
		assert.Equal(t, le.Term, s.durable.Entries[m.Index-1].Term, "%s at %v: the follower's durable entry is the leader's", m, s.at)
	}
	assert.Greater(t, acks, 0, "the followers acknowledged entries")
}

// lastRequestBefore is when the latest MsgVote from candidate of term
// reached voter at or before t.
func lastRequestBefore(ds []delivery, candidate, voter, term uint64, t time.Duration) (time.Duration, bool) {
	var at time.Duration
	found := false
	for _, d := range ds {
		m := d.msg
		if d.at <= t && m.Type == raft.MsgVote && m.From == candidate && m.To == voter && m.Term == term {
			at, found = d.at, true
		}
	}
	return at, found
}
