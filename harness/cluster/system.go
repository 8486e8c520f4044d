package cluster

import (
	"errors"
	"fmt"
	"strings"

	"raftcheck/harness"
	"raftcheck/harness/etcdnode"
	"raftcheck/harness/invariant"
	"raftcheck/harness/raftnode"
	"raftcheck/raft"
)

// System is a Raft implementation under test, as the simulator sees it:
// how to build one of its nodes. The node itself is a harness.Node (it
// receives messages, ticks on its own timers, persists to its simulated
// disk, recovers from it at Start, and answers clients through the kv
// service it hosts), and every incarnation of it is a Replica, through
// which the cluster, the nemesis and the checkers look inside.
//
// Every system speaks our Raft's vocabulary at this seam (raft.Status,
// raft.Entry, raft.ConfState), translating its own types, so that one
// invariant checker, one service and one nemesis serve every system.
type System interface {
	// Name is the system's name for --system and results.json.
	Name() string
	// Check refuses a configuration the system cannot run (an option
	// only the bundled Raft has, say), before anything is built.
	Check(cfg raftnode.Config) error
	// NewNode returns the factory of node id's incarnations, for
	// World.AddNode. observer watches every incarnation from inside;
	// newApp (nil: none) builds the service each incarnation hosts.
	NewNode(id uint64, cfg raftnode.Config, peers raftnode.Peers, observer raftnode.Observer, newApp func() raftnode.App) func() harness.Node
	// Semantics says where the system departs from the Raft thesis in
	// ways the invariant checker must know.
	Semantics() invariant.Semantics
}

// Replica is a live incarnation of a node of any system.
type Replica interface {
	raftnode.View
	// Propose appends a command to the log; it fails unless the node
	// leads.
	Propose(data []byte) (index, term uint64, err error)
	// Leads says the node acts as leader now, by its live state. Status
	// is what the node has handed over (written and sent), which can lag
	// while a write waits for its fsync: a leader that has stepped down
	// in memory, and so serves nothing as leader, may still show
	// StateLeader there until its disk catches up.
	Leads() bool
	// ConfIndex is the index of the entry that made ConfState.
	ConfIndex() uint64
	// ProposeConfChange hands a configuration change to this node, which
	// must lead.
	ProposeConfChange(cc raft.ConfChange) (index, term uint64, err error)
	// TransferLeadership asks this node, which must lead, to hand its
	// office to voter to.
	TransferLeadership(to uint64) error
	// AppliedNormal is how many normal entries this incarnation applied.
	AppliedNormal() int
	// Env is the incarnation's handle on the world, and App the service
	// it hosts (nil: none).
	Env() *harness.Env
	App() raftnode.App
	// Snapshots is how many snapshots this incarnation took, and
	// Installs how many it installed from a leader.
	Snapshots() int
	Installs() int
}

var (
	_ Replica = (*raftnode.Node)(nil)
	_ Replica = (*etcdnode.Node)(nil)
)

// Bundled is raftcheck's own Raft (package raft) with its node adapter
// (package harness/raftnode).
type Bundled struct{}

// Name is "bundled".
func (Bundled) Name() string { return "bundled" }

// Check refuses what only other Rafts have.
func (Bundled) Check(cfg raftnode.Config) error {
	if cfg.LeaseBasedReadIndex {
		return errors.New("the bundled Raft has no lease-based ReadIndex: its service keeps the lease (kv, lease mode)")
	}
	return nil
}

// NewNode is raftnode.New.
func (Bundled) NewNode(id uint64, cfg raftnode.Config, peers raftnode.Peers, observer raftnode.Observer, newApp func() raftnode.App) func() harness.Node {
	return raftnode.New(id, cfg, peers, observer, newApp)
}

// Semantics: the thesis's.
func (Bundled) Semantics() invariant.Semantics { return invariant.Semantics{} }

// systems are the systems the simulator can run, by name.
var systems = []System{Bundled{}, etcdnode.System{}}

// LookupSystem is the system of that name ("" is the bundled Raft).
func LookupSystem(name string) (System, error) {
	if name == "" {
		return Bundled{}, nil
	}
	for _, s := range systems {
		if s.Name() == name {
			return s, nil
		}
	}
	return nil, fmt.Errorf("unknown system %q (known: %s)", name, strings.Join(SystemNames(), ", "))
}

// SystemNames are the simulated systems' names.
func SystemNames() []string {
	var names []string
	for _, s := range systems {
		names = append(names, s.Name())
	}
	return names
}
