// Package tracker is the leader's view of its followers: for each peer, how
// much of the leader's log it is known to hold (Match), what to send it next
// (Next), whether the leader is still searching for the point where their
// logs agree (StateProbe) or streaming entries optimistically
// (StateReplicate), how many appends are in flight, and whether the peer has
// been heard from recently (for CheckQuorum). It also keeps the
// configuration (voters of both halves of a joint change, and learners,
// who get a Progress but are never counted) and the votes of an election
// in progress.
//
// The tracker holds state and enforces its own invariants (Match < Next,
// inflights bounded); deciding what to send is raft's job. Iteration over
// peers is always in increasing ID order, so no decision depends on Go map
// order.
//
// This package imports only raft/quorum, never raft itself or anything else
// of the project.
package tracker
