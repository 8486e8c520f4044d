package invariant_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftcheck/harness/invariant"
	"raftcheck/raft"
)

// retrier drives n1 of a three-node cluster through campaigns that follow
// one another, as a node cut off from the others campaigns.
type retrier struct {
	t *testing.T
	c *invariant.Checker
	w *fakeWorld
	n *fakeNode
}

func newRetrier(t *testing.T) *retrier {
	c, w, n := newCluster(t, 3)
	c.SetStickiness(invariant.Stickiness{ElectionTick: electionTick})
	n[0].st.Term = 1
	return &retrier{t: t, c: c, w: w, n: n[0]}
}

// tick ticks n1 k times, a millisecond of world time each.
func (r *retrier) tick(k int) {
	for range k {
		r.w.now += time.Millisecond
		require.NoError(r.t, r.c.Ticking(r.n))
		require.NoError(r.t, r.c.Stepped(r.n))
	}
}

// preVote has n1 (a pre-candidate from now on) send its pre-vote requests
// for its next term, to both peers, as one round does.
func (r *retrier) preVote() error {
	r.n.st.State = raft.StatePreCandidate
	for _, to := range []uint64{2, 3} {
		if err := r.c.Sent(1, raft.Message{Type: raft.MsgPreVote, From: 1, To: to, Term: r.n.st.Term + 1}); err != nil {
			return err
		}
	}
	return r.c.Stepped(r.n)
}

// retries has n1 campaign after each of the given numbers of ticks.
func (r *retrier) retries(after ...int) error {
	for _, k := range after {
		r.tick(k)
		if err := r.preVote(); err != nil {
			return err
		}
	}
	return nil
}

// hearLeader has a heartbeat of n1's term reach it: it follows n2.
func (r *retrier) hearLeader() {
	require.NoError(r.t, r.c.Delivered(1, raft.Message{Type: raft.MsgHeartbeat, From: 2, To: 1, Term: r.n.st.Term}))
	r.n.st.State, r.n.st.Lead = raft.StateFollower, 2
	require.NoError(r.t, r.c.Stepped(r.n))
}

func repeat(k, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = k
	}
	return out
}

func TestRandomizedElectionTimeout(t *testing.T) {
	tests := []struct {
		name string
		run  func(r *retrier) error
		ok   bool
	}{
		{"twelve retries after the same timeout", func(r *retrier) error {
			return r.retries(repeat(electionTick, 13)...) // the first round only starts the count
		}, false},
		{"eleven are still chance", func(r *retrier) error {
			return r.retries(repeat(electionTick, 12)...)
		}, true},
		{"timeouts drawn afresh", func(r *retrier) error {
			return r.retries(10, 13, 10, 17, 10, 10, 19, 10, 11, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10)
		}, true},
		{"equal retries add up across a leader heard in between", func(r *retrier) error {
			if err := r.retries(repeat(electionTick, 8)...); err != nil {
				return err
			}
			r.hearLeader()
			return r.retries(repeat(electionTick, 6)...) // 7 + 5 timed
		}, false},
		{"the time to a campaign after a leader is not timed", func(r *retrier) error {
			if err := r.retries(repeat(electionTick, 12)...); err != nil {
				return err
			}
			r.hearLeader()
			return r.retries(electionTick+3, electionTick) // 11 timed, then 12
		}, false},
		{"a leader heard before the twelfth retry ends the series", func(r *retrier) error {
			if err := r.retries(repeat(electionTick, 12)...); err != nil {
				return err
			}
			r.tick(4)
			r.hearLeader()
			return nil
		}, true},
		{"one odd retry only starts the run again", func(r *retrier) error {
			if err := r.retries(repeat(electionTick, 6)...); err != nil {
				return err
			}
			return r.retries(append([]int{electionTick + 1}, repeat(electionTick, 12)...)...)
		}, false},
		{"pre-vote requests that leave late begin no round of their own", func(r *retrier) error {
			for range 14 {
				r.hearLeader()
				r.tick(electionTick)
				r.n.st.State = raft.StatePreCandidate
				require.NoError(r.t, r.c.Stepped(r.n)) // the campaign begins
				r.tick(2)                              // an fsync of the node's is pending
				if err := r.preVote(); err != nil {
					return err
				}
			}
			return nil
		}, true},
		{"candidates that retry without pre-vote", func(r *retrier) error {
			for range 13 {
				r.tick(electionTick)
				if err := campaign(r.c, r.n, raft.StateCandidate, r.n.st.Term+1); err != nil {
					return err
				}
			}
			return nil
		}, false},
		{"a pre-vote won times nothing", func(r *retrier) error {
			for range 13 {
				r.tick(electionTick)
				if err := r.preVote(); err != nil {
					return err
				}
				r.tick(1)
				// Promoted (the pre-vote quorum is not this test's
				// business: one grant of three voters is a majority).
				require.NoError(r.t, r.c.Delivered(1, raft.Message{Type: raft.MsgPreVoteResp, From: 2, To: 1, Term: r.n.st.Term + 1}))
				if err := campaign(r.c, r.n, raft.StateCandidate, r.n.st.Term+1); err != nil {
					return err
				}
				r.tick(3)
				r.hearLeader()
			}
			return nil
		}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRetrier(t)
			r.w.voters = []uint64{1, 2, 3}
			r.tick(electionTick) // booted an election timeout ago
			err := tc.run(r)
			if tc.ok {
				require.NoError(t, err)
				return
			}
			var v *invariant.Violation
			require.True(t, errors.As(err, &v), "want a violation, got %v", err)
			require.Equal(t, invariant.RandomizedElectionTimeout, v.Invariant)
			require.Equal(t, "n1", v.Node)
		})
	}
}

// The run of equal retries that fails a node is as long as it takes for
// chance to make one less than once in 10^11.
func TestEqualRetriesNeeded(t *testing.T) {
	for et, want := range map[int]int{5: 17, 10: 12, 20: 10, 2: 38} {
		require.Equal(t, want, invariant.EqualRetries(et), "election tick %d", et)
	}
}
