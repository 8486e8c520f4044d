package nemesis_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/nemesis"
)

// A storm of transfers moves leadership many times a second, every
// invariant holding; transfers to nodes that cannot be elected (a learner,
// a node outside the configuration) are refused.
func TestTransferStormMovesLeadership(t *testing.T) {
	c, env, steps := churnCluster(t, 4)
	leader(t, c)
	require.NoError(t, env.Target.ChangeMembership(nemesis.MembershipChange{AddLearners: []string{"n6"}}))
	runFor(t, c, time.Second)
	first := c.Leader().Status().Term
	_, heal := startHeal(t, env, "transfer-storm")
	runFor(t, c, 5*time.Second)
	heal()
	runFor(t, c, 2*time.Second)
	all := strings.Join(*steps, "\n")
	assert.GreaterOrEqual(t, strings.Count(all, "hands its office"), 10, all)
	assert.Contains(t, all, "refused a transfer to n")
	assert.NotContains(t, all, "took a transfer to", "a transfer to a node that is not a voter")
	l := c.Leader()
	require.NotNil(t, l)
	assert.Greater(t, l.Status().Term, first+5, "leadership moved term after term")
}

// A single transfer hands leadership to another voter within an election
// timeout, with no election timeout lost.
func TestTransferLeaderHandsOver(t *testing.T) {
	c, env, steps := churnCluster(t, 6)
	before := c.World.Name(leader(t, c))
	_, heal := startHeal(t, env, "transfer-leader")
	runFor(t, c, 300*time.Millisecond)
	heal()
	all := strings.Join(*steps, "\n")
	require.Contains(t, all, before+" hands its office")
	after := c.Leader()
	require.NotNil(t, after)
	assert.NotEqual(t, before, c.World.Name(c.Addr(after.ID())))
}
