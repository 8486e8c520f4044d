// Package harness is raftcheck's simulated world: a discrete-event kernel
// with a virtual clock, one seed split into independent random streams, a
// fault-injecting network, a disk per node that loses what was not fsynced,
// and the node lifecycle (crash, restart, pause, resume, skewed clocks).
//
// Everything that happens in a run happens on one goroutine, in the order of
// the event queue: events are ordered by (virtual time, sequence number), so
// two runs from the same seed and the same options do the same things in the
// same order and produce the same trace, byte for byte.
//
// The rules that keep it that way, for every file of this package and every
// Node it drives:
//   - no time.Now, time.Sleep, timers or tickers: time is World.Now;
//   - no global math/rand: every draw comes from a named Stream;
//   - no goroutines or channels on the simulated path;
//   - no decision or output that depends on Go map iteration order or on a
//     pointer's address;
//   - no floating-point arithmetic on the simulated path where the result
//     could differ between architectures (fused multiply-add): clock rates are
//     integers in parts per million, probabilities become integer thresholds,
//     and the exponential latency draw uses only integer operations.
//
// A node implementation plugs in through the Node interface and talks to the
// world only through its Env. The Raft core (package raft) never imports this
// package; an adapter in this package drives it.
//
// Of the project, the package harness imports nothing. Its subpackages
// build on it in layers: raftnode, kv, invariant, client and cluster are the
// systems and clients in the world, and may import raft and checker's
// history types but never nemesis, workloads, results or cmd; simtarget,
// sweep and run compose runs, and are the only ones that import nemesis
// (and run, workloads). cmd/raftcheck's layering test holds every package
// to this.
package harness
