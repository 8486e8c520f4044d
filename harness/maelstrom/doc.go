// Package maelstrom tests any binary that speaks Maelstrom's protocol
// (JSON lines on stdin and stdout, as Maelstrom's nodes do) with
// raftcheck's clients, nemesis and checkers: one OS process per node,
// node-to-node messages routed through a network model of ours (latency,
// loss, duplication, one-way cuts), and lin-kv clients whose history
// Porcupine checks with the register model.
//
// This is the one path of raftcheck that is not simulated. The nodes keep
// their own timers, so a run is not deterministic and cannot be replayed:
// the seed draws the clients' operations and the faults, but not when the
// processes act. Everything the run does goes through one goroutine (the
// loop in run.go), which owns the nodes, the router, the clients and the
// nemesis; the other goroutines only read a process's output, write its
// input, or wait on a timer, and hand what they got to the loop.
//
// Every process it starts is killed, by its process group, when the run
// ends, fails or is cancelled: no orphans.
//
// Of the project, maelstrom imports harness (the seeded random streams),
// checker (the history), nemesis (it is a Target) and workloads (the
// operations and the checks). It composes a run, as harness/run does.
package maelstrom
