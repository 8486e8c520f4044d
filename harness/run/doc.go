// Package run executes one Jepsen-style test inside the simulation: a
// cluster of the bundled Raft running the kv service, clients driven by a
// workload's generator at a seeded rate, a nemesis injecting faults, then a
// heal, a recovery window and final reads. It returns the history, the
// Raft invariant verdict, a liveness verdict, and the world for its trace
// and counters. Checking the history is not its business (package
// workloads and checker do that), so a run and its check can be separated,
// as `raftcheck check` does for a history file.
//
// run composes a test, so it sits at the top of harness: it imports
// harness and its subpackages, nemesis (through harness/simtarget's
// adapter), workloads and checker's history types; it must never import
// results or cmd, and nothing but cmd imports it.
package run
