package raftnode

import (
	"time"

	"raftcheck/harness"
	"raftcheck/raft"
)

// App is the service a node runs on top of Raft (package harness/kv's
// Server, for one). A fresh App is built for every incarnation, so its state
// is volatile: after a restart it is rebuilt from the node's snapshot, if
// it has one, and by applying the log after it again.
type App interface {
	// Start runs once the node has recovered, before any entry is applied
	// or snapshot loaded.
	Start(h Host)
	// Snapshot encodes the whole state machine after the last entry it
	// applied, everything that applying later entries depends on (client
	// sessions included). The bytes are kept, not copied.
	Snapshot() []byte
	// Restore replaces the state machine with a snapshot's: the one the
	// node recovered, or one a leader sent, of the state after index. An
	// error means the bytes are not a snapshot this service made, or not
	// one of that index; it fails the run.
	Restore(index uint64, data []byte) error
	// Apply applies a committed entry. Entries come in index order, each
	// once per incarnation, no-ops included.
	Apply(e raft.Entry)
	// ReadStates hands over confirmed (or lost) ReadIndex requests.
	ReadStates(rs []raft.ReadState)
	// Receive handles a message that is not Raft's own: client traffic.
	Receive(from harness.Addr, payload any)
	// Timer fires a timer the app set with Host.SetTimer.
	Timer(tag uint64)
}

// Host is what an App may do with its node.
type Host interface {
	// Env is the node's handle on the world (sending, the local clock).
	Env() *harness.Env
	// Config is the cluster's Raft configuration.
	Config() Config
	// Status is the Raft node's state.
	Status() raft.Status
	// Propose appends a command to the log; it fails unless the node leads.
	Propose(data []byte) (index, term uint64, err error)
	// ReadIndex asks for a linearizable read point; it fails unless the
	// node leads.
	ReadIndex(ctx uint64) error
	// LeaderAddr is the address of the leader this node knows of.
	LeaderAddr() (harness.Addr, bool)
	// ConfState is the configuration the node has in force.
	ConfState() raft.ConfState
	// SetTimer sets a timer that fires App.Timer(tag) after local time after.
	SetTimer(after time.Duration, tag uint64) harness.TimerID
}

// Env is the node's handle on the world.
func (n *Node) Env() *harness.Env { return n.env }

// Config is the cluster's Raft configuration.
func (n *Node) Config() Config { return n.cfg }

// ReadIndex asks Raft for a linearizable read point (see raft.RawNode.ReadIndex).
func (n *Node) ReadIndex(ctx uint64) error {
	err := n.rn.ReadIndex(ctx)
	if err == nil {
		n.process()
	}
	return err
}

// LeaderAddr is the address of the leader this node knows of.
func (n *Node) LeaderAddr() (harness.Addr, bool) {
	lead := n.Status().Lead
	if lead == raft.None {
		return 0, false
	}
	return n.peers.Addr(lead)
}

// SetTimer sets an app timer. Tag 0 of the node's own timers is the Raft
// tick; app tags are shifted past it.
func (n *Node) SetTimer(after time.Duration, tag uint64) harness.TimerID {
	return n.env.SetTimer(after, tag+1)
}

// App is the node's service, nil when it runs none.
func (n *Node) App() App { return n.app }

var _ Host = (*Node)(nil)
