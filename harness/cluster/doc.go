// Package cluster builds a simulated Raft cluster: a harness.World with n
// nodes of the bundled Raft (through harness/raftnode), every node watched
// by the invariant checker (harness/invariant), clients, a simple proposal
// driver, and a heal that ends every fault. The faults themselves are
// nemesis's, through harness/simtarget.
//
// cluster imports harness, its subpackages below it (raftnode, invariant,
// client), raft, and through client checker's history types; it must never
// import nemesis, workloads, results or cmd, nor the packages that compose
// runs (simtarget, sweep, run).
package cluster
