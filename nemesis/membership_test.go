package nemesis_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness/cluster"
	"raftcheck/nemesis"
)

// churnCluster is five voters and two spares, n6 and n7, outside the
// configuration, with every step of a membership fault collected.
func churnCluster(t *testing.T, seed uint64) (*cluster.Cluster, *nemesis.Env, *[]string) {
	t.Helper()
	cfg := sized(7, seed)
	cfg.Raft.Voters = []uint64{1, 2, 3, 4, 5}
	c, env := newCluster(t, cfg)
	var steps []string
	env.Log = func(f string, value any) {
		b, err := json.Marshal(value)
		require.NoError(t, err)
		steps = append(steps, string(b))
	}
	return c, env, &steps
}

// configuration is the leader's, settled: the test waits for a leader
// whose latest change has committed and that is not joint.
func configuration(t *testing.T, c *cluster.Cluster, env *nemesis.Env) nemesis.Configuration {
	t.Helper()
	for i := 0; i < 200; i++ {
		cfg, err := env.Target.Configuration()
		if err == nil && cfg.Committed && len(cfg.Outgoing) == 0 {
			return cfg
		}
		runFor(t, c, 50*time.Millisecond)
	}
	t.Fatal("no settled configuration within 10 s")
	return nemesis.Configuration{}
}

// Each membership kind changes the configuration again and again while it
// is in force, says what the configuration is after each change, keeps
// every invariant (the run would stop on a violation), and never takes the
// cluster below three voters; once healed, the nodes it removed are voters
// again and the cluster has a leader.
func TestMembershipKindsChangeTheConfiguration(t *testing.T) {
	cases := []struct {
		kind string
		// saw checks the steps taken.
		saw func(t *testing.T, steps string)
	}{
		{"member-remove", func(t *testing.T, steps string) { assert.Contains(t, steps, "propose remove n") }},
		{"member-remove-leader", func(t *testing.T, steps string) { assert.Contains(t, steps, "propose remove n") }},
		{"member-replace", func(t *testing.T, steps string) {
			assert.Contains(t, steps, "propose add voter n6, remove")
		}},
		{"member-learner", func(t *testing.T, steps string) {
			assert.Contains(t, steps, "propose add learner n")
			assert.Regexp(t, `learners \(n[67]`, steps)
		}},
		{"member-rejoin", func(t *testing.T, steps string) { assert.Contains(t, steps, "propose add voter n") }},
		{"member-churn", func(t *testing.T, steps string) { assert.Contains(t, steps, "propose ") }},
		{"member-remove-cut-off", func(t *testing.T, steps string) {
			assert.Contains(t, steps, "off before removing it")
			assert.Contains(t, steps, "removed without knowing it")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.kind, func(t *testing.T) {
			c, env, steps := churnCluster(t, 3)
			leader(t, c)
			before := configuration(t, c, env)
			assert.Equal(t, []string{"n1", "n2", "n3", "n4", "n5"}, before.Voters)
			act, heal := startHeal(t, env, tc.kind)
			assert.Contains(t, act.Description, "configuration voters (n1 n2 n3 n4 n5)")
			for i := 0; i < 300; i++ {
				runFor(t, c, 100*time.Millisecond)
				if cfg, err := env.Target.Configuration(); err == nil {
					require.GreaterOrEqual(t, len(cfg.Voters), 3, "at %v: %v", c.Now(), cfg)
				}
			}
			all := strings.Join(*steps, "\n")
			changes := strings.Count(all, "configuration now")
			assert.GreaterOrEqual(t, changes, 2, "changes committed in 30 s:\n%s", all)
			tc.saw(t, all)
			heal()
			runFor(t, c, 20*time.Second)
			after := configuration(t, c, env)
			for _, n := range before.Voters {
				if strings.Contains(all, "propose remove "+n) && !strings.Contains(all, "add voter "+n) {
					assert.True(t, after.IsVoter(n), "%s was removed and is not a voter after the heal: %v", n, after)
				}
			}
			assert.GreaterOrEqual(t, len(after.Voters), 3)
			require.NotNil(t, c.Leader())
		})
	}
}

// A change that would leave voters of which a majority is down, or fewer
// than three, is not proposed: with two of five voters down, only a down
// one may be removed (four voters, two of them down, would have no
// quorum), and then no other.
func TestMembershipNeverTakesTheQuorumAway(t *testing.T) {
	c, env, steps := churnCluster(t, 5)
	l := leader(t, c)
	cfg := configuration(t, c, env)
	var down []string
	for _, n := range cfg.Voters {
		if n != c.World.Name(l) && len(down) < 2 {
			require.NoError(t, env.Target.Crash(n))
			down = append(down, n)
		}
	}
	_, heal := startHeal(t, env, "member-remove")
	runFor(t, c, 30*time.Second)
	removed := 0
	for _, s := range *steps {
		if i := strings.Index(s, "propose remove "); i >= 0 {
			removed++
			n := s[i+len("propose remove "):]
			n = n[:strings.IndexAny(n, " ,")]
			assert.Contains(t, down, n, "removed %s, which is up, with %v down", n, down)
		}
	}
	assert.Positive(t, removed, "a down voter can be removed")
	now := configuration(t, c, env)
	assert.GreaterOrEqual(t, len(now.Voters), 3)
	heal()
	for _, n := range down {
		require.NoError(t, env.Target.Restart(n))
	}
	runFor(t, c, 10*time.Second)
	require.NotNil(t, c.Leader())
	assert.Len(t, configuration(t, c, env).Voters, 5, "the heal adds the removed voters back")
}
