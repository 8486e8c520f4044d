package raftnode

import "raftcheck/raft"

// Leads says this node acts as leader now. The bundled Raft's Status is
// its live state, so the two agree; other systems' views may lag their
// live state while a write is outstanding (see cluster.Replica).
func (n *Node) Leads() bool {
	return n.rn != nil && n.rn.Status().State == raft.StateLeader
}
