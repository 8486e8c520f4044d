package etcdnode

import (
	"fmt"
	"time"

	etcd "go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/tracker"

	"raftcheck/harness"
	"raftcheck/harness/raftnode"
	"raftcheck/raft"
)

// The node as the cluster, its service and its checkers see it: in our
// Raft's vocabulary (raftnode.View, raftnode.Host, cluster.Replica).
var (
	_ raftnode.View = (*Node)(nil)
	_ raftnode.Host = (*Node)(nil)
)

// ID is the node's Raft ID.
func (n *Node) ID() uint64 { return n.id }

// Name is the node's name in the world, or "node <id>" before it starts.
func (n *Node) Name() string {
	if n.env == nil {
		return fmt.Sprintf("node %d", n.id)
	}
	return n.env.Name()
}

// Status is etcd's state as of the last Ready the node took: the term,
// vote and commit it wrote, the role and leader it was told of, and the
// log it handed over. etcd's live state can be ahead while a Ready waits
// for its fsync (entries appended, a commit learned); the checkers judge
// the node by what it has handed over, which is all its disk and its
// peers can know, and which is consistent with itself.
func (n *Node) Status() raft.Status {
	if n.inStep {
		return n.stepped
	}
	if n.rn == nil {
		return raft.Status{ID: n.id}
	}
	last := n.lastIndex()
	leading := n.soft.RaftState == etcd.StateLeader
	return raft.Status{
		ID: n.id, Term: n.hs.Term, Vote: n.hs.Vote, Lead: n.soft.Lead, State: stateFrom(n.soft.RaftState),
		Commit: n.hs.Commit, Applied: n.appliedIndex, Snapshot: n.snap.Meta.Index,
		LastIndex: last, Persisted: n.persisted(),
		LeadTransferee: n.rn.BasicStatus().LeadTransferee,
		HandedOver:     leading && n.handedOver && n.handedOverTerm == n.hs.Term,
		Joining:        n.joining,
	}
}

// lastIndex is the last index of the log handed over.
func (n *Node) lastIndex() uint64 { return n.snap.Meta.Index + uint64(len(n.log)) }

// persisted is the last index known durable: everything handed over but a
// Ready waiting for its fsync.
func (n *Node) persisted() uint64 {
	last := n.lastIndex()
	if n.syncing != 0 && len(n.waiting.Entries) > 0 {
		return min(last, n.waiting.Entries[0].GetIndex()-1)
	}
	return last
}

// Entry is the entry at index in the log handed over.
func (n *Node) Entry(index uint64) (raft.Entry, bool) {
	if index <= n.snap.Meta.Index || index > n.lastIndex() {
		return raft.Entry{}, false
	}
	return n.log[index-n.snap.Meta.Index-1], true
}

// Term is the term of the entry at index, the snapshot's last included.
func (n *Node) Term(index uint64) (uint64, bool) {
	if index == n.snap.Meta.Index {
		return n.snap.Meta.Term, true
	}
	e, ok := n.Entry(index)
	return e.Term, ok
}

// AppliedIndex is the last entry this incarnation applied.
func (n *Node) AppliedIndex() uint64 { return n.appliedIndex }

// ConfState is the configuration in force: the one at the applied
// index, or the one of a snapshot handed over and not yet installed (etcd
// restores a snapshot's configuration as it steps it; the view shows it
// with the snapshot, in the Ready that carries it).
func (n *Node) ConfState() raft.ConfState {
	if n.rn == nil {
		return raft.ConfState{}
	}
	if n.snap.Meta.Index > n.appliedIndex {
		return n.snap.Conf
	}
	return n.conf
}

// SnapshotConf is the configuration the node's snapshot carries.
func (n *Node) SnapshotConf() raft.ConfState { return n.snap.Conf }

// ConfIndex is the index of the entry that made ConfState.
func (n *Node) ConfIndex() uint64 { return n.confIndex }

// Progress visits each voter's match and next index, while leading.
func (n *Node) Progress(visit func(id, match, next uint64)) {
	if n.rn == nil || n.rn.BasicStatus().RaftState != etcd.StateLeader {
		return
	}
	// etcd visits in ID order. Learners too: etcd keeps a learner's
	// progress when it is promoted (and a voter's when demoted), so the
	// acknowledgements that earned its match must be followed through.
	n.rn.WithProgress(func(id uint64, _ etcd.ProgressType, pr tracker.Progress) {
		visit(id, pr.Match, pr.Next)
	})
}

// AppliedNormal is how many normal entries this incarnation applied.
func (n *Node) AppliedNormal() int { return n.appliedNormal }

// Snapshots and Installs count the snapshots taken and installed.
func (n *Node) Snapshots() int { return n.snapshots }
func (n *Node) Installs() int  { return n.installs }

// RecoveredTornBytes is how many bytes of a torn WAL record the
// incarnation discarded at Start.
func (n *Node) RecoveredTornBytes() int { return n.recoveredTorn }

// Env is the node's handle on the world.
func (n *Node) Env() *harness.Env { return n.env }

// App is the node's service, nil when it runs none.
func (n *Node) App() raftnode.App { return n.app }

// Config is the cluster's configuration.
func (n *Node) Config() raftnode.Config { return n.cfg }

// Leads says etcd has this node leading now: its live state, which a
// Ready waiting for its fsync may not have handed over to Status yet.
func (n *Node) Leads() bool {
	return n.rn != nil && n.rn.BasicStatus().RaftState == etcd.StateLeader
}

// Propose appends a command, on the leader only. etcd does not say where
// its entry went: index and term are the ones it will have unless the
// leader loses its office first.
func (n *Node) Propose(data []byte) (index, term uint64, err error) {
	if n.rn == nil {
		return 0, 0, errNotStarted
	}
	if !n.Leads() {
		return 0, 0, raft.ErrNotLeader
	}
	defer n.recoverPanic()
	if err := n.rn.Propose(data); err != nil {
		return 0, 0, err
	}
	term = n.rn.BasicStatus().GetTerm()
	n.process()
	return 0, term, nil
}

// ReadIndex asks etcd for a read point, on the leader only. It is for the
// node's service, which calls it while handling a message or a timer.
func (n *Node) ReadIndex(ctx uint64) error {
	if n.rn == nil {
		return errNotStarted
	}
	if !n.Leads() {
		return raft.ErrNotLeader
	}
	defer n.recoverPanic()
	n.reads[ctx] = n.rn.BasicStatus().GetTerm()
	n.rn.ReadIndex(readContext(ctx))
	// No Ready here: with a lease etcd confirms at once, and the service
	// must learn of its request before it learns of the answer. The app
	// asks from a message or a timer, after which the node takes its
	// Readys.
	return nil
}

// ProposeConfChange proposes a configuration change, on the leader only.
func (n *Node) ProposeConfChange(cc raft.ConfChange) (index, term uint64, err error) {
	if n.rn == nil {
		return 0, 0, errNotStarted
	}
	if !n.Leads() {
		return 0, 0, raft.ErrNotLeader
	}
	defer n.recoverPanic()
	if err := n.rn.ProposeConfChange(confChangeTo(cc)); err != nil {
		return 0, 0, err
	}
	n.process()
	return 0, n.rn.BasicStatus().GetTerm(), nil
}

// TransferLeadership asks the leader to hand its office to voter to.
// etcd ignores a transfer to a learner or an outsider without a word; the
// adapter refuses it, as the bundled Raft does.
func (n *Node) TransferLeadership(to uint64) error {
	if n.rn == nil {
		return errNotStarted
	}
	if !n.Leads() {
		return raft.ErrNotLeader
	}
	if !n.conf.IsVoter(to) {
		return raft.ErrTransferToNonVoter
	}
	if n.rn.BasicStatus().LeadTransferee != 0 {
		return raft.ErrTransferInProgress
	}
	defer n.recoverPanic()
	n.rn.TransferLeader(to)
	n.process()
	return nil
}

// LeaderAddr is the address of the leader this node knows of.
func (n *Node) LeaderAddr() (harness.Addr, bool) {
	if n.rn == nil {
		return 0, false
	}
	lead := n.soft.Lead
	if lead == 0 {
		return 0, false
	}
	return n.peers.Addr(lead)
}

// SetTimer sets an app timer; tag 0 of the node's own is the tick.
func (n *Node) SetTimer(after time.Duration, tag uint64) harness.TimerID {
	return n.env.SetTimer(after, tag+1)
}

// recoverPanic turns a panic of etcd's into a failed run: etcd panics
// when it finds its own invariants broken ("tocommit is out of range",
// say), which is a finding, not a crash of the harness.
func (n *Node) recoverPanic() {
	if p := recover(); p != nil {
		n.env.Fail(fmt.Errorf("etcdnode: etcd/raft panicked on %s: %v", n.env.Name(), p))
	}
}

// Unsettled says etcd's live state may be ahead of the view: a Ready
// waits for its fsync, and what etcd stepped meanwhile (a leader's
// append, a snapshot) is not handed over yet.
func (n *Node) Unsettled() bool { return n.rn != nil && n.syncing != 0 }
