package kv

// Planted bugs, for raftcheck's zoo: mistakes real services built on Raft
// have made, switched on by Config.Bug to show that the checkers catch
// them. None is ever on unless asked for by name.
const (
	// BugNoDedup applies a retried command again instead of answering it
	// from its session: a client that retries after a lost reply
	// increments twice.
	BugNoDedup = "no-dedup"
	// BugLeaderReads serves ReadIndex-mode reads on any node that believes
	// it leads, without the quorum round that proves it still does: a
	// deposed leader cut off from the cluster answers stale reads.
	BugLeaderReads = "leader-reads"
	// BugReadBeforeApply answers a ReadIndex read as soon as its round is
	// confirmed, from whatever the store has applied, without waiting for
	// the store to reach the read index (thesis §6.4, step 4). The leader
	// usually has applied it already, so clients almost never see it.
	BugReadBeforeApply = "read-before-apply"
	// BugLocalExpiry expires client sessions on the applying node's own
	// clock instead of the time the leader stamped into the log
	// (dissertation §6.3 warns against exactly this): replicas whose
	// clocks differ expire different sessions, and their state machines
	// part.
	BugLocalExpiry = "local-expiry"
	// BugSnapshotWithoutSessions writes snapshots that save the data but
	// not what the client sessions last did (their latest seq and cached
	// result): after a node installs one, a retried command is applied
	// again (duplicates after an install). The server plants it by taking
	// its snapshots with Store.snapshot(true).
	BugSnapshotWithoutSessions = "snapshot-without-sessions"
)

var bugs = map[string]bool{
	BugNoDedup: true, BugLeaderReads: true, BugReadBeforeApply: true, BugLocalExpiry: true,
	BugSnapshotWithoutSessions: true,
}
