package raftnode

// Planted bugs, for raftcheck's zoo: each is a mistake real Raft
// implementations have made, switched on by Config.Bug to show that the
// checkers catch it. None is ever on unless asked for by name.
const (
	// BugAckBeforeFsync sends a Ready's messages (votes, append
	// acknowledgements) without waiting for the fsync that makes what
	// they promise durable: a crash then forgets a promise a quorum
	// counted on.
	BugAckBeforeFsync = "ack-before-fsync"
	// BugForgetVote never writes the vote to disk (the term is written):
	// a node that crashes and restarts can vote twice in one term, the
	// akka-raft bug "Fuzzing Raft for Fun and Publication" found.
	BugForgetVote = "forget-vote"
	// BugDropLargeAppends is a transport that silently drops an append of
	// more than largeAppend entries, as one with a message-size limit does
	// (what etcd's MaxSizePerMsg exists to avoid): a follower that fell
	// behind is sent the same large catch-up batch again and again and
	// never catches up, while the rest of the cluster serves every client.
	BugDropLargeAppends = "drop-large-appends"
)

// largeAppend is the size above which BugDropLargeAppends drops an append.
const largeAppend = 32

var bugs = map[string]bool{BugAckBeforeFsync: true, BugForgetVote: true, BugDropLargeAppends: true}
