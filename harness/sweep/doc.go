// Package sweep runs the Raft seed sweep: for one seed, a simulated
// cluster of the bundled Raft under every fault of nemesis's catalogue,
// with a proposer and the invariants checked on every step of every node,
// then a heal and a liveness window. `raftcheck sweep` runs many seeds of
// it; it tests the Raft core alone, with no service and no history.
//
// sweep composes a run, so it sits above nemesis: it imports harness,
// harness/cluster, harness/simtarget and nemesis, and must never import
// workloads, results or cmd.
package sweep
