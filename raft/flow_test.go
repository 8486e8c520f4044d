package raft

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func bytesOf(ents []Entry) (total uint64) {
	for _, e := range ents {
		total += payload(e)
	}
	return total
}

// A leader that cannot commit refuses proposals once its uncommitted
// entries reach the bound, instead of queueing without limit; it accepts
// them again as they commit. A proposal over the bound alone is accepted
// when nothing is uncommitted: otherwise it never could be.
func TestUncommittedBytesAreBounded(t *testing.T) {
	n := newNetwork(t, 3, testOptions{maxUncommitted: 250})
	n.elect(1)
	n.stabilize()
	n.isolate(2)
	n.isolate(3)
	hundred := strings.Repeat("x", 100)
	rn := n.nodes[1].rn
	for i := range 2 {
		_, _, err := rn.Propose([]byte(hundred))
		require.NoError(t, err, "proposal %d", i)
	}
	_, _, err := rn.Propose([]byte(hundred))
	require.ErrorIs(t, err, ErrProposalsBacklogged, "300 bytes would pass 250")
	_, _, err = rn.Propose([]byte("small"))
	require.NoError(t, err, "205 bytes fit")
	n.heal()
	n.tickAndStabilize(2)
	for range 2 {
		_, _, err := rn.Propose([]byte(hundred))
		require.NoError(t, err, "the budget came back as entries committed")
	}
	n.stabilize()
	big := strings.Repeat("y", 1000)
	_, _, err = rn.Propose([]byte(big))
	require.NoError(t, err, "alone over the bound, with nothing uncommitted")
	n.requireNoStepErrors()
}

// No MsgApp carries more payload than the bound, unless it carries a single
// entry; no Ready hands out more committed payload than its bound, unless
// a single entry.
func TestMessagesAndReadiesAreBounded(t *testing.T) {
	n := newNetwork(t, 3, testOptions{maxMsgBytes: 64, maxCommittedPerReady: 100, maxEntries: 256})
	n.elect(1)
	n.stabilize()
	n.isolate(3)
	for i := range 40 {
		n.propose(1, strings.Repeat("z", 10+i%30))
	}
	n.stabilize()
	n.heal() // 3 catches up on 40 entries, in bounded messages and Readies
	var apps, readies int
	n.mutate = func(m Message) Message {
		if m.Type == MsgApp && len(m.Entries) > 1 {
			apps++
			assert.LessOrEqual(t, bytesOf(m.Entries), uint64(64), "a MsgApp of %d entries", len(m.Entries))
		}
		return m
	}
	n.onReady = func(id uint64, rd Ready) {
		if len(rd.CommittedEntries) > 1 {
			readies++
			assert.LessOrEqual(t, bytesOf(rd.CommittedEntries), uint64(100))
		}
	}
	n.tickAndStabilize(3)
	assert.Equal(t, n.status(1).Commit, n.status(3).Commit)
	assert.Positive(t, apps, "messages of more than one entry")
	assert.Positive(t, readies, "readies of more than one entry")
	n.requireNoStepErrors()
}
