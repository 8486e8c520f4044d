package etcdnode

import (
	"errors"

	"raftcheck/harness"
	"raftcheck/harness/invariant"
	"raftcheck/harness/raftnode"
	"raftcheck/raft"
)

// System is go.etcd.io/raft/v3 as a system under test (cluster.System).
type System struct{}

// Name is "etcd".
func (System) Name() string { return "etcd" }

// Check refuses the options of the bundled Raft that etcd/raft lacks.
// etcd bounds a message by bytes only (MaxEntriesPerMsg is not used) and
// sends a snapshot whole (MaxSnapshotChunk is not used).
func (System) Check(cfg raftnode.Config) error {
	switch {
	case cfg.Bug != "":
		return errors.New("the planted bugs are the bundled Raft's; etcd/raft has none of them")
	case cfg.ApplyDelay > 0:
		return errors.New("etcd's node applies as it goes: an apply delay is the bundled node's option")
	}
	return nil
}

// NewNode is New.
func (System) NewNode(id uint64, cfg raftnode.Config, peers raftnode.Peers, observer raftnode.Observer, newApp func() raftnode.App) func() harness.Node {
	return New(id, cfg, peers, observer, newApp)
}

// Semantics: a configuration takes effect when applied, by etcd's rules
// for a change; the log starts after the initial snapshot; the timers,
// flow control and hints are etcd's own; a Ready's entries are written
// before its HardState; and a node's ID is never reused once its disk is
// lost.
func (System) Semantics() invariant.Semantics {
	return invariant.Semantics{ConfOnApply: true, OwnTimers: true, EntriesBeforeHardState: true, NoRejoinAfterWipe: true, CheckQuorumEachTimeout: true,
		Initial: raft.SnapshotMeta{Index: 1, Term: 1}, ApplyConfChange: ApplyConfChange}
}
