package run

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
	"raftcheck/harness/cluster"
)

// The CheckQuorum oracle: a leader cut off from every other node steps
// down in time when it checks its quorum; one that does not (CheckQuorum
// switched off in the Raft, the oracle told to expect it) is caught.
func TestCheckQuorumOracle(t *testing.T) {
	for _, tc := range []struct {
		name        string
		checkQuorum bool
		want        checker.Validity
	}{{"checks its quorum", true, checker.Valid}, {"never steps down", false, checker.Invalid}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig(4)
			ccfg := cluster.DefaultConfig(4)
			ccfg.Raft.CheckQuorum = tc.checkQuorum
			c, err := cluster.New(ccfg)
			require.NoError(t, err)
			q := newQuorumWatch(c, cfg)
			startRaftTimeline(c, 50*time.Millisecond, q)
			require.NoError(t, c.World.Run(time.Second))
			leader := c.Leader()
			require.NotNil(t, leader)
			la := c.Addr(leader.ID())
			for _, b := range c.Peers.Addrs {
				if b != la {
					c.World.Cut(la, b)
					c.World.Cut(b, la)
				}
			}
			require.NoError(t, c.World.Run(3*time.Second))
			r := q.result(true)
			assert.Equal(t, tc.want, r.Valid, r.Summary)
		})
	}
}
