package nemesis_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness"
	"raftcheck/harness/cluster"
	"raftcheck/harness/simtarget"
	"raftcheck/nemesis"
)

// The catalogue holds every kind of the nine groups, each under its group.
func TestCatalogueListsEveryKindInItsGroup(t *testing.T) {
	want := map[string]string{
		"partition": "partition", "partition-halves": "partition", "partition-one": "partition",
		"partition-leader": "partition", "partition-minority-third": "partition", "partition-ring": "partition",
		"partition-bridge": "partition", "partition-one-way": "partition",
		"kill-one": "kill", "kill-minority": "kill", "kill-majority": "kill", "kill-leader": "kill", "kill-all": "kill",
		"pause-one": "pause", "pause-leader": "pause", "pause-minority": "pause",
		"clock-bump": "clock", "clock-strobe": "clock", "clock-drift": "clock",
		"packet-loss": "packet", "packet-delay": "packet", "packet-duplicate": "packet", "packet-reorder": "packet",
		"disk-slow": "disk", "disk-slow-one": "disk", "disk-corrupt": "disk", "disk-wipe": "disk",
		"scenario-isolate-mid-append": "scenario", "scenario-figure8": "scenario", "scenario-crash-voters": "scenario",
		"scenario-pause-past-lease": "scenario", "scenario-restart-in-election": "scenario", "scenario-lease-edge": "scenario",
		"scenario-deaf-rejoin": "scenario", "scenario-snapshot-catch-up": "scenario", "scenario-crash-in-snapshot": "scenario",
		"scenario-slow-follower-failover": "scenario", "member-remove": "membership", "member-remove-leader": "membership",
		"member-replace": "membership",
		"member-learner": "membership", "member-rejoin": "membership", "member-churn": "membership",
		"scenario-single-server-change": "membership", "member-remove-cut-off": "membership",
		"transfer-leader": "transfer", "transfer-storm": "transfer",
	}
	got := map[string]string{}
	for _, name := range nemesis.Kinds() {
		k, ok := nemesis.Lookup(name)
		require.True(t, ok, name)
		assert.Equal(t, name, k.Name)
		require.NotNil(t, k.Start, name)
		got[name] = k.Group
	}
	assert.Equal(t, want, got)
}

// The same seed draws the same faults: every kind, started twice on two
// clusters built from one seed, does the same thing and leaves the same
// trace.
func TestSameSeedSameActions(t *testing.T) {
	for _, name := range nemesis.Kinds() {
		t.Run(name, func(t *testing.T) {
			run := func() (nemesis.Action, string, string) {
				cfg := cluster.DefaultConfig(7)
				cfg.Trace = true
				c, env := newCluster(t, cfg)
				runFor(t, c, time.Second) // a leader, for the kinds that need one
				act := start(t, env, name)
				runFor(t, c, 200*time.Millisecond)
				return act, mustJSON(t, act.Value), c.World.Trace().SHA256()
			}
			a1, v1, tr1 := run()
			a2, v2, tr2 := run()
			assert.Equal(t, a1.Description, a2.Description)
			assert.Equal(t, a1.Nodes, a2.Nodes)
			assert.Equal(t, v1, v2)
			assert.Equal(t, tr1, tr2, "the traces differ")
		})
	}
}

// Faults that need a leader do nothing before there is one: at time zero
// no node has even started.
func TestLeaderKindsNeedALeader(t *testing.T) {
	for _, name := range []string{"partition-leader", "kill-leader", "pause-leader"} {
		t.Run(name, func(t *testing.T) {
			c, env := newCluster(t, cluster.DefaultConfig(1))
			require.Nil(t, c.Leader())
			k, _ := nemesis.Lookup(name)
			_, heal, err := k.Start(env)
			assert.ErrorIs(t, err, nemesis.ErrNothingToBreak)
			assert.Nil(t, heal)
			assertNoCut(t, c)
			for _, a := range c.Peers.Addrs {
				assert.Equal(t, harness.NodeUp, c.World.State(a))
			}
		})
	}
}

// idle is a client endpoint that does nothing: partitions must leave its
// links alone.
type idle struct{}

func (idle) Start(*harness.Env)        {}
func (idle) Receive(harness.Addr, any) {}
func (idle) Timer(uint64)              {}
func (idle) Synced(uint64)             {}

// newCluster builds a cluster from cfg, with one idle client beside it, and
// a nemesis Env with the default intensities and its own stream.
func newCluster(t *testing.T, cfg cluster.Config) (*cluster.Cluster, *nemesis.Env) {
	t.Helper()
	c, err := cluster.New(cfg)
	require.NoError(t, err)
	_, err = c.World.AddClient("c1", idle{})
	require.NoError(t, err)
	return c, &nemesis.Env{Target: simtarget.ForCluster(c), Rand: c.World.Seeds().Stream("test"), Params: nemesis.DefaultParams()}
}

// sized is the default cluster config with n nodes.
func sized(n int, seed uint64) cluster.Config {
	cfg := cluster.DefaultConfig(seed)
	cfg.Nodes = n
	return cfg
}

// start starts the kind and requires that it did something.
func start(t *testing.T, env *nemesis.Env, name string) nemesis.Action {
	act, _ := startHeal(t, env, name)
	return act
}

func startHeal(t *testing.T, env *nemesis.Env, name string) (nemesis.Action, func()) {
	t.Helper()
	k, ok := nemesis.Lookup(name)
	require.True(t, ok, name)
	act, heal, err := k.Start(env)
	require.NoError(t, err, "%s found nothing to do", name)
	require.NotNil(t, heal)
	require.NotEmpty(t, act.Description)
	require.NotEmpty(t, act.Nodes)
	return act, heal
}

func runFor(t *testing.T, c *cluster.Cluster, d time.Duration) {
	t.Helper()
	require.NoError(t, c.World.RunFor(d))
}

// leader runs the cluster until it has a leader and returns its address.
func leader(t *testing.T, c *cluster.Cluster) harness.Addr {
	t.Helper()
	for i := 0; i < 50 && c.Leader() == nil; i++ {
		runFor(t, c, 100*time.Millisecond)
	}
	l := c.Leader()
	require.NotNil(t, l, "no leader")
	return c.Addr(l.ID())
}

func addrOf(t *testing.T, c *cluster.Cluster, name string) harness.Addr {
	t.Helper()
	a, ok := c.World.Lookup(name)
	require.True(t, ok, name)
	return a
}

func names(c *cluster.Cluster, as []harness.Addr) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = c.World.Name(a)
	}
	return out
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// decode reads an action's value through JSON, as the history records it.
func decode[T any](t *testing.T, act nemesis.Action) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal([]byte(mustJSON(t, act.Value)), &v))
	return v
}

// assertNoCut checks that no link of the world, clients' included, is cut.
func assertNoCut(t *testing.T, c *cluster.Cluster) {
	t.Helper()
	w := c.World
	for from := 0; from < w.Endpoints(); from++ {
		for to := 0; to < w.Endpoints(); to++ {
			assert.False(t, w.IsCut(harness.Addr(from), harness.Addr(to)), "%s -> %s is cut", w.Name(harness.Addr(from)), w.Name(harness.Addr(to)))
		}
	}
}

// assertClientLinksOpen checks that nothing cut a link to or from c1.
func assertClientLinksOpen(t *testing.T, c *cluster.Cluster) {
	t.Helper()
	cl := addrOf(t, c, "c1")
	for _, a := range c.Peers.Addrs {
		assert.False(t, c.World.IsCut(a, cl), "%s -> c1 is cut", c.World.Name(a))
		assert.False(t, c.World.IsCut(cl, a), "c1 -> %s is cut", c.World.Name(a))
	}
}

func seedName(i int) string { return fmt.Sprintf("test/%d", i) }

func lookup(t *testing.T, name string) nemesis.Kind {
	t.Helper()
	k, ok := nemesis.Lookup(name)
	require.True(t, ok, name)
	return k
}

// envWith is an Env on c whose random stream has the given name.
func envWith(c *cluster.Cluster, stream string) *nemesis.Env {
	return &nemesis.Env{Target: simtarget.ForCluster(c), Rand: c.World.Seeds().Stream(stream), Params: nemesis.DefaultParams()}
}
