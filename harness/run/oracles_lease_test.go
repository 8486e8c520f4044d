package run

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
	"raftcheck/harness"
	"raftcheck/harness/cluster"
	"raftcheck/harness/kv"
)

// leaseWorld is a five-node cluster (ElectionTick 10 of 10ms, PreVote and
// CheckQuorum on) that has elected a leader, with its invariant checker
// keeping the lease count the oracle asks about.
type leaseWorld struct {
	c         *cluster.Cluster
	leader    cluster.Replica
	term      uint64
	followers []uint64
}

func newLeaseWorld(t *testing.T) *leaseWorld {
	t.Helper()
	c, err := cluster.New(cluster.DefaultConfig(3))
	require.NoError(t, err)
	require.NoError(t, c.World.Run(time.Second))
	leader := c.Leader()
	require.NotNil(t, leader)
	lw := &leaseWorld{c: c, leader: leader, term: leader.Status().Term}
	for _, id := range c.Peers.IDs() {
		if id != leader.ID() {
			lw.followers = append(lw.followers, id)
		}
	}
	return lw
}

// oracles are fresh oracles watching the cluster, as Execute builds them.
func (lw *leaseWorld) oracles() *oracles {
	return &oracles{world: lw.c.World, peers: lw.c.Peers, invariants: lw.c.Invariants}
}

// isolate cuts each of the first k followers off from every other node.
func (lw *leaseWorld) isolate(k int) {
	var groups [][]harness.Addr
	rest := []harness.Addr{lw.c.Addr(lw.leader.ID())}
	for i, id := range lw.followers {
		if i < k {
			groups = append(groups, []harness.Addr{lw.c.Addr(id)})
		} else {
			rest = append(rest, lw.c.Addr(id))
		}
	}
	lw.c.World.Partition(append(groups, rest)...)
}

// newLeader cuts the leader off and runs until the others elect one of a
// later term.
func (lw *leaseWorld) newLeader(t *testing.T) cluster.Replica {
	t.Helper()
	la := lw.c.Addr(lw.leader.ID())
	var rest []harness.Addr
	for _, id := range lw.followers {
		rest = append(rest, lw.c.Addr(id))
	}
	lw.c.World.Partition([]harness.Addr{la}, rest)
	for deadline := lw.c.World.Now() + 3*time.Second; lw.c.World.Now() < deadline; {
		require.NoError(t, lw.c.World.RunFor(10*time.Millisecond))
		if l := lw.c.Leader(); l != nil && l.Status().Term > lw.term {
			return l
		}
	}
	require.FailNow(t, "no new leader")
	return nil
}

// The lease-safety oracle asked by hand, at a chosen instant, whether a
// lease read has a majority of voters bound not to elect anyone else.
// The isolated followers are cut off for 150ms, past their election
// timeout of 100ms; the leader, cut off from a majority, steps down after
// 100–200ms, so at that instant the one follower still connected to it
// has heard from it within the timeout.
func TestLeaseSafetyOracle(t *testing.T) {
	const pastPromise = 150 * time.Millisecond
	type reader struct {
		node harness.Addr
		term uint64
	}
	tests := []struct {
		name string
		// setup does things to the cluster and names who reads.
		setup    func(t *testing.T, lw *leaseWorld) reader
		want     checker.Validity
		refusing int // -1: not asserted
		newer    bool
	}{
		{"a healthy cluster", func(t *testing.T, lw *leaseWorld) reader {
			require.NoError(t, lw.c.World.RunFor(pastPromise))
			return reader{lw.c.Addr(lw.leader.ID()), lw.term}
		}, checker.Valid, 5, false},
		{"two followers cut off past their promise", func(t *testing.T, lw *leaseWorld) reader {
			lw.isolate(2)
			require.NoError(t, lw.c.World.RunFor(pastPromise))
			return reader{lw.c.Addr(lw.leader.ID()), lw.term}
		}, checker.Valid, 3, false},
		{"three followers cut off past their promise", func(t *testing.T, lw *leaseWorld) reader {
			lw.isolate(3)
			require.NoError(t, lw.c.World.RunFor(pastPromise))
			return reader{lw.c.Addr(lw.leader.ID()), lw.term}
		}, checker.Invalid, 2, false},
		{"every follower cut off past its promise", func(t *testing.T, lw *leaseWorld) reader {
			lw.isolate(4)
			require.NoError(t, lw.c.World.RunFor(pastPromise))
			return reader{lw.c.Addr(lw.leader.ID()), lw.term}
		}, checker.Invalid, 1, false},
		{"three followers cut off moments ago", func(t *testing.T, lw *leaseWorld) reader {
			lw.isolate(3)
			require.NoError(t, lw.c.World.RunFor(40*time.Millisecond))
			return reader{lw.c.Addr(lw.leader.ID()), lw.term}
		}, checker.Valid, 5, false},
		{"three followers cut off past their promise, one of them crashed", func(t *testing.T, lw *leaseWorld) reader {
			lw.isolate(3)
			require.NoError(t, lw.c.World.RunFor(pastPromise))
			require.NoError(t, lw.c.World.Crash(lw.c.Addr(lw.followers[0])))
			return reader{lw.c.Addr(lw.leader.ID()), lw.term}
		}, checker.Valid, 3, false},
		{"three followers cut off past their promise, one of them restarted", func(t *testing.T, lw *leaseWorld) reader {
			lw.isolate(3)
			require.NoError(t, lw.c.World.RunFor(pastPromise))
			a := lw.c.Addr(lw.followers[0])
			require.NoError(t, lw.c.World.Crash(a))
			require.NoError(t, lw.c.World.Restart(a))
			require.NoError(t, lw.c.World.RunFor(0))
			return reader{lw.c.Addr(lw.leader.ID()), lw.term}
		}, checker.Valid, 3, false},
		{"the old leader after a new one was elected", func(t *testing.T, lw *leaseWorld) reader {
			lw.newLeader(t)
			return reader{lw.c.Addr(lw.leader.ID()), lw.term}
		}, checker.Invalid, -1, true},
		// Long enough after the election for every follower to hear
		// from the new leader, and for the old one, which steps down at
		// most 200ms after it was cut off, to be past its own promise.
		{"the new leader", func(t *testing.T, lw *leaseWorld) reader {
			l := lw.newLeader(t)
			require.NoError(t, lw.c.World.RunFor(300*time.Millisecond))
			require.Equal(t, l, lw.c.Leader())
			return reader{lw.c.Addr(l.ID()), l.Status().Term}
		}, checker.Valid, 4, false},
		{"an address that is no node", func(t *testing.T, lw *leaseWorld) reader {
			lw.isolate(4)
			require.NoError(t, lw.c.World.RunFor(pastPromise))
			return reader{harness.Addr(99), lw.term}
		}, checker.Valid, -1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lw := newLeaseWorld(t)
			r := tc.setup(t, lw)
			o := lw.oracles()
			o.LeaseRead(r.node, r.term, 0)
			got := o.results(kv.ReadLease)["lease-safety"]
			require.Equal(t, tc.want, got.Valid, got.Summary)
			if tc.want == checker.Valid {
				assert.Nil(t, o.firstUnsafe)
				assert.Equal(t, "every one of 1 lease reads had a majority of voters bound not to elect another leader", got.Summary)
				if id, ok := lw.c.Peers.ID(r.node); ok && tc.refusing >= 0 {
					refusing, voters, newer := lw.c.Invariants.LeaseQuorum(id, r.term)
					assert.Equal(t, tc.refusing, refusing, "voters bound")
					assert.Equal(t, 5, voters)
					assert.Zero(t, newer)
				}
				return
			}
			s, ok := got.Details.(*unsafeLease)
			require.True(t, ok, "the details are the first unsafe lease read")
			assert.Equal(t, lw.c.World.Name(r.node), s.Node)
			assert.Equal(t, r.term, s.Term)
			assert.Equal(t, 5, s.Voters)
			assert.Equal(t, lw.c.World.Now().Seconds(), s.AtSecond)
			if tc.refusing >= 0 {
				assert.Equal(t, tc.refusing, s.Refusing, "voters bound")
			}
			if tc.newer {
				assert.Greater(t, s.NewerTerm, r.term)
				assert.Equal(t, lw.c.Leader().Status().Term, s.NewerTerm, "the new leader's term")
				assert.Contains(t, got.Summary, "after a leader of term")
			} else {
				assert.Zero(t, s.NewerTerm)
				assert.Contains(t, got.Summary, "a majority could have elected one")
			}
		})
	}
}

// Lease safety is judged only in lease mode: in any other mode it is "not
// checked", whatever the oracle saw. The first unsafe lease read is the
// one reported, however many unsafe or sound ones follow.
func TestLeaseSafetyResults(t *testing.T) {
	lw := newLeaseWorld(t)
	la := lw.c.Addr(lw.leader.ID())
	o := lw.oracles()
	o.LeaseRead(la, lw.term, 0)
	require.Nil(t, o.firstUnsafe, "a sound lease read")

	lw.isolate(3)
	require.NoError(t, lw.c.World.RunFor(150*time.Millisecond))
	unsafeAt := lw.c.World.Now()
	o.LeaseRead(la, lw.term, 0)
	require.NotNil(t, o.firstUnsafe, "a lease read without a majority")
	require.NoError(t, lw.c.World.RunFor(10*time.Millisecond))
	o.LeaseRead(la, lw.term, 0) // unsafe again, later

	lw.c.Heal()
	require.NoError(t, lw.c.World.RunFor(time.Second))
	l := lw.c.Leader()
	require.NotNil(t, l)
	o.LeaseRead(lw.c.Addr(l.ID()), l.Status().Term, 0)
	assert.Equal(t, 4, o.leaseReads)

	tests := []struct {
		mode kv.ReadMode
		want checker.Validity
		text string
	}{
		{kv.ReadLease, checker.Invalid, "only 2 of 5 voters"},
		{kv.ReadIndex, checker.Valid, "not checked"},
		{kv.ReadLocal, checker.Valid, "not checked"},
	}
	for _, tc := range tests {
		t.Run(string(tc.mode), func(t *testing.T) {
			r := o.results(tc.mode)["lease-safety"]
			assert.Equal(t, tc.want, r.Valid, r.Summary)
			assert.Contains(t, r.Summary, tc.text)
			if tc.want == checker.Invalid {
				s := r.Details.(*unsafeLease)
				assert.Equal(t, unsafeAt.Seconds(), s.AtSecond, "the first unsafe read")
				assert.Equal(t, lw.term, s.Term)
			} else {
				assert.Nil(t, r.Details)
			}
		})
	}
}

// Before the cluster is built the oracles have no checker to ask: a lease
// read then is counted, not judged.
func TestLeaseSafetyWithoutAChecker(t *testing.T) {
	lw := newLeaseWorld(t)
	lw.isolate(4)
	require.NoError(t, lw.c.World.RunFor(150*time.Millisecond))
	o := lw.oracles()
	o.invariants = nil
	o.LeaseRead(lw.c.Addr(lw.leader.ID()), lw.term, 0)
	r := o.results(kv.ReadLease)["lease-safety"]
	assert.Equal(t, checker.Valid, r.Valid, r.Summary)
	assert.Equal(t, 1, o.leaseReads)
}
