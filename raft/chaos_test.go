package raft

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRandomFaultsKeepSafety runs clusters through random schedules of
// reordered, dropped and duplicated messages, partitions, and crashes (some
// right after persisting a Ready, before its messages leave), checking the
// safety properties of Figure 3 as it goes:
//
//   - Election Safety and State Machine Safety (checked by the network on
//     every Ready);
//   - Log Matching: two logs with an entry of the same index and term agree
//     on everything up to it;
//   - Leader Completeness: a leader holds every entry applied anywhere by a
//     node whose term was below the leader's;
//   - ReadIndex: a confirmed read index is at least every index committed
//     anywhere before the read was asked for (readChecker).
//
// Then it heals everything and requires the cluster to elect a leader and
// commit a new entry everywhere (liveness after faults stop).
func TestRandomFaultsKeepSafety(t *testing.T) {
	runChaosSeeds(t, func(uint64, *testOptions) string { return "" })
}

// TestRandomFaultsKeepSafetyWithSnapshots is the same with log compaction:
// every node snapshots every few applied entries, so followers that fall
// behind, crash or are cut off catch up by InstallSnapshot, in chunks of a
// few bytes that the faults drop, duplicate and reorder like any message.
func TestRandomFaultsKeepSafetyWithSnapshots(t *testing.T) {
	runChaosSeeds(t, func(seed uint64, o *testOptions) string {
		o.maxChunk = []int{7, 64, 1 << 16}[seed%3]
		o.snapshotEvery = 2 + int(seed%5)
		return fmt.Sprintf("-every%d-chunk%d", o.snapshotEvery, o.maxChunk)
	})
}

// TestRandomFaultsKeepSafetyWithMembershipChurn is the same while the
// leader keeps changing the configuration: five nodes, three of them the
// initial voters, with voters and learners added, promoted and removed,
// directly and through joint configurations (left automatically or on
// request), and snapshots, which carry the configuration.
func TestRandomFaultsKeepSafetyWithMembershipChurn(t *testing.T) {
	runChaosSeeds(t, func(seed uint64, o *testOptions) string {
		o.voters, o.churn = []uint64{1, 2, 3}, true
		if seed%2 == 1 {
			o.maxChunk, o.snapshotEvery = 16, 3+int(seed%4)
		}
		return fmt.Sprintf("-churn-every%d", o.snapshotEvery)
	})
}

// randomConfChange draws a change of cs over the nodes ids: leave a joint
// configuration; otherwise add, promote or remove one node, or two at once
// (through a joint configuration), with a random transition. It may draw a
// change the configuration refuses; the leader then refuses it.
func randomConfChange(rng *rand.Rand, cs ConfState, ids []uint64) ConfChange {
	if cs.Joint() {
		return ConfChange{}
	}
	cc := ConfChange{Transition: ConfChangeTransition(rng.IntN(3))}
	for range 1 + rng.IntN(2) {
		id := ids[rng.IntN(len(ids))]
		var typ ConfChangeType
		switch {
		case cs.IsVoter(id) && len(cs.Voters) > 1:
			typ = RemoveNode
		case cs.IsVoter(id):
			continue
		case cs.IsMember(id) && rng.IntN(2) == 0:
			typ = RemoveNode
		case rng.IntN(3) == 0:
			typ = AddLearner
		default:
			typ = AddVoter
		}
		cc.Changes = append(cc.Changes, ConfChangeSingle{Type: typ, NodeID: id})
	}
	return cc
}

// runChaosSeeds runs runChaos over 40 seeds (8 with -short), each with its
// own options; tweak adds a variant's options and names them. A cluster
// with an initial configuration has five nodes, others three or five.
func runChaosSeeds(t *testing.T, tweak func(seed uint64, o *testOptions) string) {
	seeds := 40
	if testing.Short() {
		seeds = 8
	}
	for seed := range uint64(seeds) {
		o := testOptions{
			seed:        seed,
			preVote:     seed%2 == 0,
			checkQuorum: seed%4 < 2,
			maxInflight: 1 + int(seed%4),
			maxEntries:  1 + int(seed%3),
		}
		suffix := tweak(seed, &o)
		size := 3 + 2*int(seed%2)
		if len(o.voters) > 0 {
			size = 5
		}
		t.Run(fmt.Sprintf("seed%d-n%d-prevote=%v-cq=%v%s", seed, size, o.preVote, o.checkQuorum, suffix), func(t *testing.T) {
			runChaos(t, seed, size, o)
		})
	}
}

// appliedTerm records, per applied index, the highest term of a node that
// applied it: leaders of later terms must hold the entry.
type appliedTerm map[uint64]uint64

func runChaos(t *testing.T, seed uint64, size int, o testOptions) {
	n := newNetwork(t, size, o)
	n.record = false
	rng := rand.New(rand.NewPCG(seed, 0xc4a05))
	pick := func() uint64 { return n.ids[rng.IntN(len(n.ids))] }
	seenApplied := appliedTerm{}
	proposals := 0
	reads := newReadChecker()

	for step := range 8000 {
		reads.observe(n)
		switch x := rng.IntN(100); {
		case x < 45 && len(n.queue) > 0: // deliver a random message
			i := rng.IntN(len(n.queue))
			m := n.queue[i]
			if rng.IntN(10) != 0 { // 1 in 10 stays queued: a duplicate
				n.queue = append(n.queue[:i], n.queue[i+1:]...)
			}
			if rng.IntN(10) != 0 { // 1 in 10 is dropped
				n.deliver(m)
			}
		case x < 65:
			n.handleReady(pick())
		case x < 85:
			n.tick(pick())
		case x < 92:
			if lead := n.leader(); lead != None && o.churn && rng.IntN(6) == 0 {
				// Membership churn: whatever change the leader takes.
				_, _, _ = n.nodes[lead].rn.ProposeConfChange(randomConfChange(rng, n.nodes[lead].rn.ConfState(), n.ids))
			} else if lead != None {
				if _, _, err := n.nodes[lead].rn.Propose([]byte(fmt.Sprintf("p%d", proposals))); err == nil {
					proposals++
				}
			}
			// Reads alongside writes, on every node that believes it
			// leads: a deposed leader that does not know it yet must
			// not confirm one. (No extra random draw.)
			for _, id := range n.ids {
				if nd := n.nodes[id]; nd.rn != nil && nd.rn.Status().State == StateLeader {
					reads.request(n, id)
				}
			}
		case x < 95: // crash, sometimes between persisting and sending
			id := pick()
			if n.nodes[id].rn != nil && crashedCount(n) < (size-1)/2 {
				if rng.IntN(2) == 0 {
					queued := len(n.queue)
					n.handleReady(id)
					n.queue = n.queue[:queued]
				}
				reads.observe(n) // its commit index may have moved
				n.crash(id)
			}
		case x < 97:
			for _, id := range n.ids {
				if n.nodes[id].rn == nil {
					n.restart(id)
					break
				}
			}
		case x < 98:
			n.heal()
			a, b := pick(), pick()
			if a != b {
				n.cutLink(a, b)
			}
		default:
			n.heal()
		}
		if step%20 == 0 {
			checkLogMatching(t, n)
			checkLeaderCompleteness(t, n, seenApplied)
			require.NoError(t, reads.check(n))
		}
	}

	// Liveness: stop the faults and expect progress.
	n.heal()
	for _, id := range n.ids {
		if n.nodes[id].rn == nil {
			n.restart(id)
		}
	}
	n.stabilize()
	for i := 0; i < 500 && n.leader() == None; i++ {
		n.tickAndStabilize(1)
	}
	lead := n.leader()
	require.NotEqual(t, None, lead, "no leader after healing\n%s", n.describe())
	idx := n.propose(lead, "final")
	n.tickAndStabilize(3)
	reads.request(n, lead)
	require.Contains(t, reads.asked, reads.nextCtx, "the leader refused a read")
	n.stabilize()
	lr := n.nodes[lead].reads
	require.NotEmpty(t, lr)
	require.Equal(t, ReadState{Index: n.status(lead).Commit, RequestCtx: reads.nextCtx}, lr[len(lr)-1])
	require.GreaterOrEqual(t, lr[len(lr)-1].Index, idx, "a read after a write sees it")
	final := n.nodes[lead].rn.ConfState()
	for _, id := range n.ids {
		if !final.IsMember(id) {
			continue // a node outside the configuration is sent nothing
		}
		require.GreaterOrEqual(t, n.status(id).Commit, idx, "node %d\n%s", id, n.describe())
		require.Equal(t, n.raft(lead).log.lastIndex(), n.raft(id).log.lastIndex(), "node %d", id)
		from := max(n.raft(lead).log.firstIndex(), n.raft(id).log.firstIndex())
		require.Equal(t, n.raft(lead).termsFrom(from), n.raft(id).termsFrom(from), "node %d", id)
	}
	checkLogMatching(t, n)
	checkLeaderCompleteness(t, n, seenApplied)
	require.NoError(t, reads.check(n))
	changes := 0
	for _, e := range n.applied {
		if e.Type == EntryConfChange {
			changes++
		}
	}
	t.Logf("%d reads confirmed, %d entries applied (%d configuration changes, ending in %s), %d snapshots taken, %d installed",
		reads.confirmed, len(n.applied), changes, final, n.compactions, n.installs)
	for _, id := range n.ids {
		for _, err := range n.errs[id] {
			require.NotErrorIs(t, err, ErrSafetyViolation, "node %d", id)
		}
	}
	require.Greater(t, len(n.applied), 1, "something was committed")
}

func crashedCount(n *network) int {
	c := 0
	for _, id := range n.ids {
		if n.nodes[id].rn == nil {
			c++
		}
	}
	return c
}

// checkLogMatching: for every pair of running nodes, if both logs hold an
// entry with the same index and term, the logs are identical up to it.
func checkLogMatching(t *testing.T, n *network) {
	for _, a := range n.ids {
		for _, b := range n.ids {
			if a >= b || n.nodes[a].rn == nil || n.nodes[b].rn == nil {
				continue
			}
			la, lb := n.raft(a).log, n.raft(b).log
			last := min(la.lastIndex(), lb.lastIndex())
			first := max(la.firstIndex(), lb.firstIndex())
			// Find the highest index where the terms agree.
			for i := last; i >= first; i-- {
				ta, _ := la.term(i)
				tb, _ := lb.term(i)
				if ta != tb {
					continue
				}
				for j := first; j <= i; j++ {
					ea, _ := la.entry(j)
					eb, _ := lb.entry(j)
					require.Equal(t, ea, eb, "Log Matching: nodes %d and %d agree at %d/t%d but differ at %d", a, b, i, ta, j)
				}
				break
			}
		}
	}
}

// checkLeaderCompleteness: every leader holds each applied entry whose
// applying node was in a lower term than the leader's.
func checkLeaderCompleteness(t *testing.T, n *network, seen appliedTerm) {
	for _, id := range n.ids {
		nd := n.nodes[id]
		if nd.rn == nil {
			continue
		}
		term := nd.rn.Status().Term
		for _, e := range nd.applied {
			seen[e.Index] = max(seen[e.Index], term)
		}
	}
	for _, id := range n.ids {
		nd := n.nodes[id]
		if nd.rn == nil || nd.rn.Status().State != StateLeader {
			continue
		}
		st := nd.rn.Status()
		for idx, term := range seen {
			if st.Term <= term {
				continue
			}
			if idx <= st.Snapshot {
				continue // the leader's snapshot covers it (State Machine Safety checked its state)
			}
			e, ok := nd.rn.Entry(idx)
			require.True(t, ok, "Leader Completeness: leader %d of term %d lacks committed index %d", id, st.Term, idx)
			require.Equal(t, n.applied[idx], e, "Leader Completeness: leader %d of term %d has a different entry at %d", id, st.Term, idx)
		}
	}
}
