package cluster

import (
	"raftcheck/harness"
	"raftcheck/harness/raftnode"
)

// wireTap hands every Raft message sent or delivered between the
// cluster's nodes to the invariant checker's wire checks; the first
// violation stops the world.
type wireTap struct{ c *Cluster }

var _ harness.Tap = wireTap{}

func (t wireTap) Sent(from, to harness.Addr, payload any) {
	env, ok := payload.(raftnode.Envelope)
	if !ok {
		return
	}
	id, ok := t.c.Peers.ID(from)
	if !ok {
		return
	}
	t.c.World.Stop(t.c.Invariants.Sent(id, env.Msg))
}

func (t wireTap) Delivered(from, to harness.Addr, payload any) {
	env, ok := payload.(raftnode.Envelope)
	if !ok {
		return
	}
	id, ok := t.c.Peers.ID(to)
	if !ok {
		return
	}
	t.c.World.Stop(t.c.Invariants.Delivered(id, env.Msg))
}
