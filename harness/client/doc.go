// Package client holds the simulated clients of a test: Jepsen processes
// that call the replicated service (package harness/kv) over the simulated
// network, and the recorder that writes every invocation and completion
// into the run's history with virtual times.
//
// A client sends each request to one node, follows the leader hints it gets
// back, retries at another node when a node does not answer in time, and
// gives up on an operation after a timeout. Giving up completes the
// operation as info (it may or may not have happened), and retires the
// process: a fresh process id, with a fresh session, takes its place, as in
// Jepsen, so that no process ever has two operations outstanding. A definite
// error (a cas whose expected value did not match) completes it as fail.
//
// client imports harness, harness/kv and checker; it must never import
// nemesis, results or cmd.
package client
