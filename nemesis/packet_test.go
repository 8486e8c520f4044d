package nemesis_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"raftcheck/harness"
	"raftcheck/harness/cluster"
	"raftcheck/harness/simtarget"
	"raftcheck/nemesis"
)

// packetFaults say, for each packet kind, what the network looks like
// while it is in force: its one field set from the parameters.
var packetFaults = map[string]func(c *harness.NetworkConfig, p nemesis.Params){
	"packet-loss":      func(c *harness.NetworkConfig, p nemesis.Params) { c.Drop = harness.Prob(p.Loss) },
	"packet-delay":     func(c *harness.NetworkConfig, p nemesis.Params) { c.Latency = simtarget.Latency(p.DelaySpike) },
	"packet-duplicate": func(c *harness.NetworkConfig, p nemesis.Params) { c.Duplicate = harness.Prob(p.Duplicate) },
	"packet-reorder":   func(c *harness.NetworkConfig, p nemesis.Params) { c.Reorder = harness.Prob(p.Reorder) },
}

var packetKindNames = []string{"packet-loss", "packet-delay", "packet-duplicate", "packet-reorder"}

// noisyBaseline is a cluster whose own network already loses, duplicates
// and reorders a little, so that a heal that zeroed a field instead of
// restoring it would be caught.
func noisyBaseline() cluster.Config {
	cfg := cluster.DefaultConfig(41)
	cfg.Network.Drop = harness.Prob(0.01)
	cfg.Network.Duplicate = harness.Prob(0.02)
	cfg.Network.Reorder = harness.Prob(0.03)
	return cfg
}

// Each packet fault changes its field and only its field; its heal puts
// back the cluster's baseline.
func TestPacketFaultChangesOneField(t *testing.T) {
	for _, name := range packetKindNames {
		t.Run(name, func(t *testing.T) {
			c, env := newCluster(t, noisyBaseline())
			base := c.Config().Network
			act, heal := startHeal(t, env, name)
			want := base
			packetFaults[name](&want, env.Params)
			assert.NotEqual(t, base, want, "the fault changes something")
			assert.Equal(t, want, c.World.Network())
			assert.Len(t, act.Nodes, 5)
			runFor(t, c, 200*time.Millisecond)
			heal()
			assert.Equal(t, base, c.World.Network())
		})
	}
}

// Two packet faults in force together heal independently, in either
// order: healing one leaves the other's field as it set it.
func TestPacketFaultsHealIndependently(t *testing.T) {
	for _, a := range packetKindNames {
		for _, b := range packetKindNames {
			if a == b {
				continue
			}
			t.Run(a+"+"+b, func(t *testing.T) {
				for _, aFirst := range []bool{true, false} {
					c, env := newCluster(t, noisyBaseline())
					base := c.Config().Network
					_, healA := startHeal(t, env, a)
					_, healB := startHeal(t, env, b)
					both := base
					packetFaults[a](&both, env.Params)
					packetFaults[b](&both, env.Params)
					assert.Equal(t, both, c.World.Network())

					first, second, rest := healA, healB, b
					if !aFirst {
						first, second, rest = healB, healA, a
					}
					first()
					onlyRest := base
					packetFaults[rest](&onlyRest, env.Params)
					assert.Equal(t, onlyRest, c.World.Network(), "after the first heal %s is still in force", rest)
					second()
					assert.Equal(t, base, c.World.Network())
				}
			})
		}
	}
}

// A fault whose intensity is zero has nothing to do.
func TestPacketFaultWithZeroIntensityDoesNothing(t *testing.T) {
	c, env := newCluster(t, noisyBaseline())
	env.Params = nemesis.Params{}
	for _, name := range append(packetKindNames, "disk-slow", "clock-bump", "clock-strobe", "clock-drift") {
		_, _, err := lookup(t, name).Start(env)
		assert.ErrorIs(t, err, nemesis.ErrNothingToBreak, name)
	}
	assert.Equal(t, c.Config().Network, c.World.Network())
	assert.Equal(t, c.Config().Disk, c.World.DiskConfig())
	assertTrueClocks(t, c)
}
