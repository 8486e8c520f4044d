package raft

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// readChecker checks the read index itself for linearizability, in the
// chaos test: a read confirmed at index i must have i >= every index that
// was committed anywhere before ReadIndex was called (§6.4). Otherwise a
// client could read state older than a write that had already completed.
// It also checks that every request gets at most one answer, from the node
// it was made to.
type readChecker struct {
	// committed is the highest index seen committed on any node so far. It
	// is sampled after every step of the run (and before a crash), so no
	// commit escapes it.
	committed uint64
	floor     map[uint64]uint64 // ctx -> committed when requested
	asked     map[uint64]uint64 // ctx -> the node asked
	answered  map[uint64]bool   // ctx -> an answer was seen
	checked   map[uint64]int    // node -> its ReadStates already checked
	nextCtx   uint64
	confirmed int // confirmed reads checked, to see the check did work
}

func newReadChecker() *readChecker {
	return &readChecker{
		floor:    map[uint64]uint64{},
		asked:    map[uint64]uint64{},
		answered: map[uint64]bool{},
		checked:  map[uint64]int{},
	}
}

// observe raises the committed high-water mark from every running node.
func (c *readChecker) observe(n *network) {
	for _, id := range n.ids {
		if nd := n.nodes[id]; nd.rn != nil {
			c.committed = max(c.committed, nd.rn.Status().Commit)
		}
	}
}

// request asks node id for a read, recording the floor its index must
// reach. A refusal (not the leader) is fine and recorded as nothing.
func (c *readChecker) request(n *network, id uint64) {
	c.observe(n)
	c.nextCtx++
	if err := n.nodes[id].rn.ReadIndex(c.nextCtx); err != nil {
		return
	}
	c.floor[c.nextCtx] = c.committed
	c.asked[c.nextCtx] = id
}

// check examines the ReadStates handed out since the last check.
func (c *readChecker) check(n *network) error {
	for _, id := range n.ids {
		reads := n.nodes[id].reads
		for _, rs := range reads[c.checked[id]:] {
			floor, ok := c.floor[rs.RequestCtx]
			switch {
			case !ok || c.asked[rs.RequestCtx] != id:
				return fmt.Errorf("node %d answered read %d, which it was not asked", id, rs.RequestCtx)
			case c.answered[rs.RequestCtx]:
				return fmt.Errorf("node %d answered read %d twice", id, rs.RequestCtx)
			case rs.Lost && rs.Index != 0:
				return fmt.Errorf("node %d: lost read %d carries index %d", id, rs.RequestCtx, rs.Index)
			case !rs.Lost && rs.Index < floor:
				return fmt.Errorf("node %d confirmed read %d at index %d, but %d was committed before it was asked",
					id, rs.RequestCtx, rs.Index, floor)
			}
			c.answered[rs.RequestCtx] = true
			if !rs.Lost {
				c.confirmed++
			}
		}
		c.checked[id] = len(reads)
	}
	return nil
}

// The checker catches a stale read index, a double answer and an answer
// from the wrong node.
func TestReadCheckerCatchesBadReads(t *testing.T) {
	tests := []struct {
		name  string
		reads map[uint64][]ReadState
	}{
		{"stale index", map[uint64][]ReadState{1: {{Index: 1, RequestCtx: 1}}}},
		{"answered twice", map[uint64][]ReadState{1: {{Index: 2, RequestCtx: 1}, {RequestCtx: 1, Lost: true}}}},
		{"wrong node", map[uint64][]ReadState{2: {{Index: 2, RequestCtx: 1}}}},
		{"never asked", map[uint64][]ReadState{1: {{Index: 2, RequestCtx: 9}}}},
		{"lost with an index", map[uint64][]ReadState{1: {{Index: 2, RequestCtx: 1, Lost: true}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNetwork(t, 3, testOptions{})
			n.elect(1)
			n.propose(1, "x")
			n.stabilize() // index 2 is committed
			c := newReadChecker()
			c.request(n, 1) // registered; its real answer is never collected
			for id, reads := range tt.reads {
				n.nodes[id].reads = reads
			}
			require.Error(t, c.check(n))
		})
	}
	t.Run("a good read passes", func(t *testing.T) {
		n := newNetwork(t, 3, testOptions{})
		n.elect(1)
		c := newReadChecker()
		c.request(n, 1)
		c.request(n, 2) // refused: not the leader
		n.stabilize()
		require.NoError(t, c.check(n))
		require.Equal(t, 1, c.confirmed)
	})
}
