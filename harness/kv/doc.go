// Package kv is the replicated service every node of a simulated cluster
// runs on top of the bundled Raft, and the protocol clients speak to it.
//
// The state machine (Store) holds, per key, a register (read, write, cas),
// a counter (incr, which returns the new value, and read), a set (add,
// read) and a list (append, read). Commands reach it through the Raft log,
// wrapped in client sessions (the Raft dissertation, §6.3): each carries a
// session id and a sequence number, and the store keeps each session's
// latest result, so a retried command is applied once and answered with its
// original result. Sessions expire, deterministically, on the time the
// leader stamped into the commands, so every replica expires the same
// sessions at the same log position.
//
// The Server is the node side: it redirects clients to the leader,
// proposes commands, and serves reads in one of three modes: ReadIndex
// (dissertation §6.4), a leader lease on the local clock with a bound on
// clock drift, or unsafe local reads from any node, which exist to show
// that the checkers catch stale reads.
//
// kv imports harness, harness/raftnode and raft; it must never import
// nemesis, checker, results or cmd.
package kv
