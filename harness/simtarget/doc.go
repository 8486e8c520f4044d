// Package simtarget adapts the simulated world to nemesis.Target, so that
// the nemesis can break a simulated cluster without knowing it: node names
// become world addresses, link and disk faults become the world's network
// and disk configuration over the cluster's starting one, and the nemesis
// draws from the world's "nemesis" stream.
//
// simtarget sits above nemesis and harness: it imports both, and the
// packages that compose a run (harness/run, harness/sweep) import it. It
// must never import workloads, results or cmd.
package simtarget
