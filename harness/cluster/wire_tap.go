package cluster

import (
	"raftcheck/harness"
	"raftcheck/harness/etcdnode"
	"raftcheck/harness/raftnode"
	"raftcheck/raft"
)

// wireTap hands every Raft message sent or delivered between the
// cluster's nodes to the invariant checker's wire checks; the first
// violation stops the world.
type wireTap struct{ c *Cluster }

var _ harness.Tap = wireTap{}

func (t wireTap) Sent(from, to harness.Addr, payload any) {
	if id, m, ok := t.raftMessage(from, payload); ok {
		t.c.World.Stop(t.c.Invariants.Sent(id, m))
	}
}

func (t wireTap) Delivered(from, to harness.Addr, payload any) {
	if id, m, ok := t.raftMessage(to, payload); ok {
		t.c.World.Stop(t.c.Invariants.Delivered(id, m))
	}
}

// raftMessage is payload's Raft message and the Raft ID of the node at
// addr; ok is false for client traffic or an address that is no node.
func (t wireTap) raftMessage(addr harness.Addr, payload any) (uint64, raft.Message, bool) {
	var m raft.Message
	switch p := payload.(type) {
	case raftnode.Envelope:
		m = p.Msg
	case etcdnode.Wire:
		if p.Header.Type == 0 {
			return 0, raft.Message{}, false
		}
		m = p.Header
	default:
		return 0, raft.Message{}, false
	}
	id, ok := t.c.Peers.ID(addr)
	return id, m, ok
}
