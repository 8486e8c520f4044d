package nemesis

import (
	"fmt"

	"raftcheck/harness"
)

// packetKinds make the network misbehave for every message between any two
// endpoints: lose, delay, duplicate or reorder. Each changes one field of
// the world's NetworkConfig and its heal puts back that field alone, from
// the cluster's starting configuration, so that packet faults in force
// together heal independently, in any order.
var packetKinds = []Kind{
	{Name: "packet-loss", Group: "packet", Start: startPacket(packetField{
		what: "drop",
		set: func(c *harness.NetworkConfig, p Params) (any, bool) {
			c.Drop = harness.Prob(p.Loss)
			return c.Drop.Float(), !c.Drop.IsZero()
		},
		reset: func(c *harness.NetworkConfig, base harness.NetworkConfig) { c.Drop = base.Drop },
	})},
	{Name: "packet-delay", Group: "packet", Start: startPacket(packetField{
		what: "latency",
		set: func(c *harness.NetworkConfig, p Params) (any, bool) {
			c.Latency = p.DelaySpike
			return c.Latency, c.Latency != harness.Latency{}
		},
		reset: func(c *harness.NetworkConfig, base harness.NetworkConfig) { c.Latency = base.Latency },
	})},
	{Name: "packet-duplicate", Group: "packet", Start: startPacket(packetField{
		what: "duplicate",
		set: func(c *harness.NetworkConfig, p Params) (any, bool) {
			c.Duplicate = harness.Prob(p.Duplicate)
			return c.Duplicate.Float(), !c.Duplicate.IsZero()
		},
		reset: func(c *harness.NetworkConfig, base harness.NetworkConfig) { c.Duplicate = base.Duplicate },
	})},
	{Name: "packet-reorder", Group: "packet", Start: startPacket(packetField{
		what: "reorder",
		set: func(c *harness.NetworkConfig, p Params) (any, bool) {
			c.Reorder = harness.Prob(p.Reorder)
			return c.Reorder.Float(), !c.Reorder.IsZero()
		},
		reset: func(c *harness.NetworkConfig, base harness.NetworkConfig) { c.Reorder = base.Reorder },
	})},
}

// packetField is the one field of NetworkConfig a packet fault owns.
type packetField struct {
	what string // the field's name in the history value
	// set writes the fault's value into the field and returns it; ok is
	// false when the parameters make it a no-op (a zero probability).
	set func(c *harness.NetworkConfig, p Params) (value any, ok bool)
	// reset puts the field back to its value in base.
	reset func(c *harness.NetworkConfig, base harness.NetworkConfig)
}

func startPacket(f packetField) func(env *Env) (Action, func(), bool) {
	return func(env *Env) (Action, func(), bool) {
		w := env.World()
		cfg := w.Network()
		v, ok := f.set(&cfg, env.Params)
		// An invalid parameter (a delay spike that cannot be drawn from)
		// injects nothing rather than stopping the run.
		if !ok || w.SetNetwork(cfg) != nil {
			return Action{}, nil, false
		}
		base := env.Cluster.Config().Network
		return Action{
				Description: fmt.Sprintf("network %s %v on every link", f.what, v),
				Value:       map[string]any{f.what: v},
				Nodes:       nodeNames(w, nodeAddrs(env)),
			}, func() {
				cfg := w.Network()
				f.reset(&cfg, base)
				// The cluster's starting configuration was valid, and the
				// other fields are as valid as they were.
				_ = w.SetNetwork(cfg)
			}, true
	}
}
