// Package cluster builds a simulated Raft cluster: a harness.World with n
// nodes of the bundled Raft (through harness/raftnode), every node watched
// by the invariant checker (harness/invariant), a simple proposal driver,
// and a seeded fault schedule with a heal and a liveness check, for seed
// sweeps.
//
// cluster imports harness and its subpackages and raft; it must never
// import checker, results or cmd.
package cluster
