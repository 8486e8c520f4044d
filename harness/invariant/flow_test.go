package invariant_test

import (
	"strings"
	"testing"

	"raftcheck/harness/invariant"
	"raftcheck/raft"
)

func entriesOf(sizes ...int) []raft.Entry {
	var out []raft.Entry
	for i, n := range sizes {
		out = append(out, raft.Entry{Index: uint64(i + 1), Term: 1, Data: []byte(strings.Repeat("p", n))})
	}
	return out
}

// Flow control's bounds, each held to on histories that must fail: one
// MsgApp, one batch applied, a leader's uncommitted proposals of its term.
func TestFlowBounded(t *testing.T) {
	bounds := invariant.FlowBounds{Uncommitted: 100, Msg: 50, CommittedPerReady: 60}
	t.Run("messages", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			sizes []int
			ok    bool
		}{
			{"within", []int{20, 30}, true},
			{"one entry over", []int{500}, true},
			{"two entries over", []int{30, 30}, false},
		} {
			c, w, _ := newCluster(t, 3)
			w.voters = []uint64{1, 2, 3}
			c.SetFlowBounds(bounds)
			m := raft.Message{Type: raft.MsgApp, From: 1, To: 2, Term: 0, Entries: entriesOf(tc.sizes...)}
			requireOutcome(t, c.Sent(1, m), tc.ok, invariant.FlowBounded, "n1")
		}
	})
	t.Run("batches applied", func(t *testing.T) {
		for _, tc := range []struct {
			sizes []int
			ok    bool
		}{{[]int{30, 30}, true}, {[]int{400}, true}, {[]int{40, 30}, false}} {
			c, w, n := newCluster(t, 3)
			w.voters = []uint64{1, 2, 3}
			c.SetFlowBounds(bounds)
			err := c.Applied(n[0], entriesOf(tc.sizes...))
			if !tc.ok {
				requireViolation(t, err, invariant.FlowBounded, "n1")
			} else if err != nil {
				if v, ok := err.(*invariant.Violation); ok && v.Invariant == invariant.FlowBounded {
					t.Fatalf("%v", err)
				}
			}
		}
	})
	t.Run("uncommitted", func(t *testing.T) {
		for _, tc := range []struct {
			sizes []int
			ok    bool
		}{{[]int{40, 50}, true}, {[]int{300}, true}, {[]int{60, 60}, false}} {
			c, w, n := newCluster(t, 3)
			w.voters = []uint64{1, 2, 3}
			c.SetFlowBounds(bounds)
			l := n[0]
			l.log = entriesOf(tc.sizes...)
			l.st.LastIndex, l.st.Term, l.st.State = uint64(len(l.log)), 1, raft.StateLeader
			requireOutcome(t, c.Stepped(l), tc.ok, invariant.FlowBounded, "n1")
		}
	})
}
