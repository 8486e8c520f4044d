// Package checker holds the history types and their analysis:
// linearizability with Porcupine, the workload checkers, stats, perf and
// liveness, and the merging of verdicts (false > unknown > true).
//
// checker imports no package of ours (not harness, nemesis, workloads,
// results or cmd): it must be able to check a history file written by
// anyone.
package checker
