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
)

var bugs = map[string]bool{BugNoDedup: true, BugLeaderReads: true}
