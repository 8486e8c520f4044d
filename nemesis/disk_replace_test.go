package nemesis_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness"
	"raftcheck/nemesis"
)

// A bit flipped where a checksum covers it stops the node: it refuses to
// start and stays down, never serving from what it cannot read. The heal
// is the operator's repair: out of the configuration, a new disk, back in
// as a voter, every step noted.
func TestDiskCorruptStopsTheNodeAndTheHealReplacesTheDisk(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		c, env, steps := churnCluster(t, seed)
		leader(t, c)
		runFor(t, c, 2*time.Second) // a log worth damaging
		act, heal := startHeal(t, env, "disk-corrupt")
		name := act.Nodes[0]
		a := addrOf(t, c, name)
		runFor(t, c, 100*time.Millisecond)
		require.Equal(t, harness.NodeDown, c.World.State(a), "seed %d: %s runs on a damaged disk (%s)", seed, name, act.Description)
		assert.Contains(t, c.World.Halted(a), "corrupt", "seed %d", seed)
		runFor(t, c, time.Second)
		assert.Equal(t, harness.NodeDown, c.World.State(a), "it stays down until the operator acts")
		heal()
		runFor(t, c, 5*time.Second)
		assert.Equal(t, harness.NodeUp, c.World.State(a))
		assert.Empty(t, c.World.Disk(a).Damaged(), "the disk was replaced")
		assert.Equal(t, uint64(1), c.World.Disk(a).Counters().Wipes)
		cfg := configuration(t, c, env)
		assert.True(t, cfg.IsVoter(name), "%s is a voter again: %v", name, cfg)
		all := strings.Join(*steps, "\n")
		for _, want := range []string{"remove " + name, "wiped the disk of " + name, "add voter " + name, name + " is back"} {
			assert.Contains(t, all, want, "seed %d", seed)
		}
	}
}

// A disk replaced the operator's way: the node leaves the configuration
// before its disk is wiped, and comes back empty, as a new member that
// catches up.
func TestDiskWipeRejoinsAsANewMember(t *testing.T) {
	c, env, steps := churnCluster(t, 2)
	leader(t, c)
	runFor(t, c, 2*time.Second)
	act, _ := startHeal(t, env, "disk-wipe")
	name := act.Nodes[0]
	runFor(t, c, 5*time.Second)
	all := strings.Join(*steps, "\n")
	removed := strings.Index(all, "remove "+name)
	wiped := strings.Index(all, "wiped the disk of "+name)
	require.True(t, removed >= 0 && wiped > removed, "removed before wiped:\n%s", all)
	assert.Contains(t, all, name+" is back")
	a := addrOf(t, c, name)
	assert.Equal(t, uint64(1), c.World.Disk(a).Counters().Wipes)
	l := c.Leader()
	require.NotNil(t, l)
	id, _ := c.Peers.ID(a)
	runFor(t, c, 2*time.Second)
	assert.Equal(t, l.Status().Commit, c.Node(id).Status().Commit, "the new member caught up")
}

// Both need a target that changes its membership, and lets a node whose
// disk was lost rejoin under its old identity (etcd never does).
func TestDiskLossNeedsMembershipAndRejoin(t *testing.T) {
	for _, kind := range []string{"disk-corrupt", "disk-wipe"} {
		for _, noRejoin := range []bool{false, true} {
			ft := newFakeTarget(5)
			ft.noMembers, ft.noRejoin = !noRejoin, noRejoin
			_, heal, err := lookup(t, kind).Start(nemesis.NewEnv(ft, nemesis.DefaultParams()))
			assert.ErrorIs(t, err, nemesis.ErrUnsupported, kind)
			assert.Nil(t, heal)
			assert.Empty(t, ft.notes, "%s touched no node", kind)
		}
	}
}

// A damaged disk stops its node before the repair can remove it, so with
// one of four voters already down, losing a second would leave the voters
// no running majority: no quorum to repair them either (sweep seeds
// 40001826 and 40002523 of the first issue-14 sweep, where the removal of
// the second left three voters of which two ran, and was allowed).
func TestDiskLossKeepsARunningMajorityOfTheVotersItHasNow(t *testing.T) {
	cfg := sized(5, 3)
	cfg.Raft.Voters = []uint64{1, 2, 3, 4}
	c, env := newCluster(t, cfg)
	l := leader(t, c)
	conf := configuration(t, c, env)
	require.Len(t, conf.Voters, 4)
	var down string
	for _, n := range conf.Voters {
		if n != c.World.Name(l) {
			down = n
			break
		}
	}
	require.NoError(t, env.Target.Crash(down))
	for _, kind := range []string{"disk-corrupt", "disk-wipe"} {
		_, _, err := lookup(t, kind).Start(env)
		assert.ErrorIs(t, err, nemesis.ErrNothingToBreak, "%s with %s of %v down", kind, down, conf.Voters)
	}
	require.NoError(t, env.Target.Restart(down))
	runFor(t, c, time.Second)
	act, _ := startHeal(t, env, "disk-corrupt")
	assert.NotEmpty(t, act.Nodes, "with every voter up, one may be lost")
}
