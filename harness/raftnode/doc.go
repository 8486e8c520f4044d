// Package raftnode runs the bundled Raft (package raft) as a node of the
// simulated world: it is the adapter between raft's Ready/Advance cycle and
// harness's Node interface, and it is the only place where the two meet.
//
// One node's loop:
//
//	Timer (every TickInterval of local time)  -> RawNode.Tick
//	Receive (a Message from the network)      -> RawNode.Step
//	Propose (from a test driver or a service) -> RawNode.Propose
//	then, while a Ready is available and no fsync is outstanding:
//	    append its HardState and Entries to the WAL (package raft/wal)
//	    if it must be synced: start an fsync and wait for Synced
//	    send its Messages, apply its CommittedEntries, Advance
//	then, every SnapshotEntries entries or SnapshotBytes bytes applied:
//	    snapshot the App, RawNode.Compact, write the snapshot file and a
//	    WAL that starts after it (snapshot.go)
//
// Messages wait for the fsync that makes what they promise durable; that
// is raft's persistence contract, kept here with a real latency in between.
// While an fsync is outstanding the node keeps stepping messages and ticks,
// whose effects go into the next Ready.
//
// After every activation the node reports to an Observer, which is how the
// simulation checks Raft's invariants from inside every node on every step
// (a tick that changed nothing is reported only as a tick).
//
// raftnode imports harness, raft and raft/wal; it must never import
// nemesis, checker, results or cmd.
package raftnode
