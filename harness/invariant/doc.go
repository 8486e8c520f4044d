// Package invariant checks Raft's safety properties from inside every node
// of a simulated cluster, on every step, with the god's-eye view only a
// simulation has (Raft paper, Figure 3):
//
//   - Election Safety: at most one leader is elected in a term.
//   - Log Matching: if two logs hold an entry with the same index and term,
//     the logs are identical up to that index.
//   - Leader Completeness: an entry committed in a term is in the log of the
//     leader of every later term.
//   - State Machine Safety: no two nodes ever apply different entries at
//     the same index, across crashes and restarts.
//   - Commit Monotonicity: a live node's commit index never goes back.
//   - Applied ≤ Committed: no node applies an entry it does not know is
//     committed.
//
// A violation stops the run with a *Violation naming the invariant, the
// node, the virtual time and the seed.
//
// invariant imports harness, harness/raftnode and raft; it must never import
// nemesis, checker, results or cmd.
package invariant
