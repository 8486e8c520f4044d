// Package checker holds the history types and their analysis:
// linearizability with Porcupine, the workload checkers, stats, perf and
// liveness, and the merging of verdicts (false > unknown > true).
//
// checker must never import harness, nemesis, results or cmd: it must be
// able to check a history file written by anyone.
package checker
