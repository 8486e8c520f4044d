package kv

import (
	"raftcheck/harness"
	"raftcheck/harness/raftnode"
)

// Watcher sees, for a run's oracles, what no client can: the highest index
// committed anywhere when a read arrives, the state each read is answered
// from, and every replica's state-machine digest at every index it
// applies. A server with no watcher (nil) reports nothing.
type Watcher interface {
	// CommittedAnywhere is the highest log index that any node has ever
	// known committed, up to now.
	CommittedAnywhere() uint64
	// ReadServed reports a read answered in a linearizable mode (ReadIndex
	// or lease), with what was committed anywhere when it arrived.
	ReadServed(r ServedRead)
	// Applied reports that node applied the entry at index, after which
	// its state machine's digest is digest and its sessions' clock is
	// clock (Store.Clock); out is what the entry produced, nil for an
	// entry that is not a command.
	Applied(node harness.Addr, index, digest uint64, clock int64, out *Outcome)
	// Expired reports that node, applying the entry at index with the
	// sessions' clock at clock, expired sessions (before applying the
	// entry's command; the slice is the store's, valid during the call).
	// It comes before Applied of the same entry.
	Expired(node harness.Addr, index uint64, clock int64, sessions []uint64)
	// LeaseProbe reports that node has just registered the ReadIndex
	// round probe whose confirmation will renew its lease.
	LeaseProbe(node harness.Addr, probe uint64)
	// SnapshotTaken reports that node snapshotted its state machine after
	// index: state is the hash of the state it holds (StateHash), and
	// restored the hash of the state its snapshot restores to. They must
	// be equal: a snapshot that loses anything (a session's last answer,
	// say) restores a different state on the node that installs it.
	SnapshotTaken(node harness.Addr, index, state, restored uint64)
	// SnapshotLoaded reports that node loaded a snapshot of index (one it
	// installed from a leader, or recovered at a restart) and now holds
	// the state whose hash is state.
	SnapshotLoaded(node harness.Addr, index, state uint64)
	// LeaseRead reports that node, leading term, has just decided to
	// answer a read from its lease instead of confirming that it leads;
	// probe is the round whose confirmation granted the lease.
	LeaseRead(node harness.Addr, term, probe uint64)
}

// ServedRead is one read a server answered in a linearizable mode.
type ServedRead struct {
	Node harness.Addr
	Key  string
	// How is "index", "lease", or "unconfirmed" for a leader that
	// answered without confirming it leads (the planted leader-reads bug).
	How string
	// Floor is the highest index committed anywhere when the request
	// arrived; Index is the read index the server waited for (its commit
	// index under a lease, the confirmed ReadIndex otherwise); Applied is
	// the serving node's applied index when it answered. A linearizable
	// read reflects everything committed before it arrived, and ReadIndex
	// promises it by its index: Index, and so Applied, must be at least
	// Floor.
	Floor, Index, Applied uint64
	// Term is the serving node's term when it answered.
	Term uint64
}

// NewWatchedServer is NewServer with a watcher, which every incarnation
// of every node built by the factory reports to.
func NewWatchedServer(cfg Config, w Watcher) func() raftnode.App {
	return func() raftnode.App {
		s := NewServer(cfg)().(*Server)
		s.watch = w
		return s
	}
}
