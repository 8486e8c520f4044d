package etcdnode

import (
	"errors"
	"fmt"
	"slices"

	etcd "go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"raftcheck/harness"
	"raftcheck/harness/raftnode"
	"raftcheck/raft"
)

// Wire carries one etcd message over the simulated network, as the bytes
// etcd's transport would send: no two nodes share a message's memory.
type Wire struct {
	Data []byte
	// Type is the message's type, for the trace.
	Type pb.MessageType
	// Header is the message in our types, without its entries, snapshot
	// or context, for the invariant checker's wire checks (Type 0: a
	// message of etcd's they do not read). The receiver decodes Data.
	Header raft.Message
}

// AppendTrace renders the message in the world's trace.
func (w Wire) AppendTrace(b []byte) []byte {
	return fmt.Appendf(b, "etcd %s (%d bytes)", w.Type, len(w.Data))
}

// Node is one etcd/raft server in the simulated world. A crash discards
// the value; a restart builds a new one that recovers from its disk.
type Node struct {
	id       uint64
	cfg      raftnode.Config
	peers    raftnode.Peers
	observer raftnode.Observer
	app      raftnode.App

	env     *harness.Env
	rn      *etcd.RawNode
	storage *etcd.MemoryStorage
	elect   electionTimer

	// log mirrors etcd's log as far as Readys have handed it over, in our
	// types: the entries after snap (what the WAL holds), and hs the last
	// HardState written. The View is read from them: it is the node as
	// its disk and its peers can know it.
	log  []raft.Entry
	snap raft.Snapshot
	hs   raft.HardState
	soft etcd.SoftState
	// conf is the configuration in force at the applied index (the last
	// change applied, or the snapshot's), and confIndex the index of its
	// entry. It is made by etcd's rules from the one before, not read
	// back from etcd: etcd applies a change to the configuration it has
	// now, which is a later snapshot's when one was stepped while the
	// change's Ready waited for its fsync; a snapshot taken at the
	// applied index must carry the configuration of that index.
	conf      raft.ConfState
	confIndex uint64
	// syncing is the outstanding fsync (0: none) and waiting the Ready
	// whose remainder waits for it.
	syncing uint64
	waiting etcd.Ready
	// processing guards against a nested Ready (an app that proposes
	// from inside Apply); the running loop picks its work up.
	processing bool
	// reads are the ReadIndex requests in flight, with the term they were
	// asked in: etcd drops them silently when leadership moves.
	reads map[uint64]uint64
	// handedOver says this leader sent MsgTimeoutNow in its term.
	handedOver     bool
	handedOverTerm uint64

	appliedIndex        uint64
	appliedNormal       int
	appliedBytes        int
	snapshots, installs int
	recoveredTorn       int
	walBuf              []byte
	joining             bool

	stepped     raft.Status
	haveStepped bool
	inStep      bool
}

// New returns the factory of node id's incarnations, for World.AddNode.
func New(id uint64, cfg raftnode.Config, peers raftnode.Peers, observer raftnode.Observer, newApp func() raftnode.App) func() harness.Node {
	return func() harness.Node {
		n := &Node{id: id, cfg: cfg, peers: peers, observer: observer, reads: map[uint64]uint64{}}
		if newApp != nil {
			n.app = newApp()
		}
		return n
	}
}

func (n *Node) initialVoters() []uint64 {
	if len(n.cfg.Voters) > 0 {
		return n.cfg.Voters
	}
	return n.peers.IDs()
}

func (n *Node) isInitialVoter() bool { return slices.Contains(n.initialVoters(), n.id) }

// Start recovers the node from its disk and starts ticking.
func (n *Node) Start(env *harness.Env) {
	n.env = env
	defer n.recoverPanic()
	n.joining = env.Disk().Size(raftnode.JoiningFile) >= 0
	hs, snap, entries, ok := n.recover()
	if !ok {
		return
	}
	// A snapshot is of committed entries: the commit is at least its
	// index, which etcd insists on at start, however the WAL's last
	// HardState came to be written (a node installs a snapshot before a
	// Ready carries the commit; the initial one has none at all).
	hs.Commit = max(hs.Commit, snap.Meta.Index)
	n.storage = etcd.NewMemoryStorage()
	if !snap.IsEmpty() {
		if err := n.storage.ApplySnapshot(snapshotTo(snap)); err != nil {
			env.Fail(fmt.Errorf("etcdnode: %s loading snapshot %d/t%d: %w", env.Name(), snap.Meta.Index, snap.Meta.Term, err))
			return
		}
	}
	ents := make([]*pb.Entry, 0, len(entries))
	for _, e := range entries {
		pe, err := entryTo(e)
		if err != nil {
			env.Fail(fmt.Errorf("etcdnode: %s recovering entry %s: %w", env.Name(), e, err))
			return
		}
		ents = append(ents, pe)
	}
	if err := n.storage.Append(ents); err != nil {
		env.Fail(fmt.Errorf("etcdnode: %s recovering its log: %w", env.Name(), err))
		return
	}
	if err := n.storage.SetHardState(hardStateTo(hs)); err != nil {
		env.Fail(fmt.Errorf("etcdnode: %s recovering its HardState: %w", env.Name(), err))
		return
	}
	readOnly := etcd.ReadOnlySafe
	if n.cfg.LeaseBasedReadIndex {
		readOnly = etcd.ReadOnlyLeaseBased
	}
	rn, err := etcd.NewRawNode(&etcd.Config{
		ID:                        n.id,
		ElectionTick:              n.cfg.ElectionTick,
		HeartbeatTick:             n.cfg.HeartbeatTick,
		Storage:                   n.storage,
		Applied:                   snap.Meta.Index,
		MaxSizePerMsg:             msgBytes(n.cfg.MaxMsgBytes),
		MaxCommittedSizePerReady:  n.cfg.MaxCommittedBytesPerReady,
		MaxUncommittedEntriesSize: n.cfg.MaxUncommittedBytes,
		MaxInflightMsgs:           n.cfg.MaxInflightMsgs,
		CheckQuorum:               n.cfg.CheckQuorum,
		PreVote:                   n.cfg.PreVote,
		ReadOnlyOption:            readOnly,
		Logger:                    discard{},
		// Clients talk to the leader (the service refuses elsewhere), as
		// with the bundled Raft; a removed leader steps down, as etcd's
		// server configures it and the thesis asks.
		DisableProposalForwarding: true,
		StepDownOnRemoval:         true,
	})
	if err != nil {
		env.Fail(fmt.Errorf("etcdnode: recovering %s: %w", env.Name(), err))
		return
	}
	n.rn = rn
	n.snap, n.log, n.hs = snap, entries, hs
	n.conf, n.confIndex = snap.Conf, snap.Meta.Index
	n.appliedIndex = snap.Meta.Index
	n.elect.reset(env.Rand(), n.cfg.ElectionTick)
	if n.observer != nil {
		n.observe(n.observer.Started(n))
	}
	env.SetTimer(n.cfg.TickInterval, 0)
	if n.app != nil {
		n.app.Start(n)
		if !n.restore(snap, "loading") {
			return
		}
	}
	n.process()
}

// msgBytes is etcd's MaxSizePerMsg for our bound (0: none). etcd reads 0
// as "one entry per message", so no bound is the largest value.
func msgBytes(b uint64) uint64 {
	if b == 0 {
		return ^uint64(0)
	}
	return b
}

// Timer is the Raft tick (tag 0) or an app timer (shifted by one).
func (n *Node) Timer(tag uint64) {
	if n.rn == nil {
		return
	}
	defer n.recoverPanic()
	if tag != 0 {
		if n.app != nil {
			n.app.Timer(tag - 1)
			n.process()
		}
		return
	}
	n.env.SetTimer(n.cfg.TickInterval, 0)
	if n.observer != nil {
		n.observe(n.observer.Ticking(n))
	}
	before := n.rn.BasicStatus()
	if before.RaftState == etcd.StateLeader {
		n.rn.Tick() // heartbeats, CheckQuorum, the transfer timeout
	} else {
		// etcd's own election timer never runs (doc.go): its clock
		// advances, ours decides when to campaign.
		n.rn.TickQuiesced()
		if n.elect.tick() {
			n.elect.reset(n.env.Rand(), n.cfg.ElectionTick)
			_ = n.rn.Campaign()
		}
	}
	n.watchElection(before, nil)
	if n.observer != nil && n.haveStepped && n.syncing == 0 && !n.rn.HasReady() && n.Status() == n.stepped {
		return // a quiet tick: nothing to write, send or apply
	}
	n.process()
}

// Receive steps a peer's message, or hands client traffic to the app.
func (n *Node) Receive(from harness.Addr, payload any) {
	if n.rn == nil {
		return
	}
	defer n.recoverPanic()
	w, ok := payload.(Wire)
	if !ok {
		if n.app != nil {
			n.app.Receive(from, payload)
			n.process()
		} else {
			n.env.Note("etcdnode: ignoring a %T", payload)
		}
		return
	}
	m := &pb.Message{}
	if err := proto.Unmarshal(w.Data, m); err != nil {
		// Peers speak the same etcd and the network corrupts no byte.
		n.env.Fail(fmt.Errorf("etcdnode: %s received a message it cannot decode: %w", n.env.Name(), err))
		return
	}
	before := n.rn.BasicStatus()
	if err := n.rn.Step(m); err != nil {
		n.env.Note("etcdnode: step %s from %d: %v", m.GetType(), m.GetFrom(), err)
	}
	n.watchElection(before, m)
	n.process()
}

// watchElection resets the adapter's election timer where etcd resets its
// own: a new term or role, a granted vote, a message from the leader.
func (n *Node) watchElection(before etcd.BasicStatus, m *pb.Message) {
	after := n.rn.BasicStatus()
	switch {
	case after.GetTerm() != before.GetTerm() || after.RaftState != before.RaftState:
		n.elect.reset(n.env.Rand(), n.cfg.ElectionTick)
	case after.GetVote() != before.GetVote():
		n.elect.elapsed = 0
	case m != nil && after.RaftState == etcd.StateFollower && m.GetTerm() == after.GetTerm() && m.GetFrom() == after.Lead:
		switch m.GetType() {
		case pb.MsgApp, pb.MsgHeartbeat, pb.MsgSnap:
			n.elect.elapsed = 0
		}
	}
}

// Synced resumes the Ready that waited for an fsync.
func (n *Node) Synced(id uint64) {
	if id != n.syncing {
		return
	}
	n.syncing = 0
	defer n.recoverPanic()
	rd := n.waiting
	n.waiting = etcd.Ready{}
	n.processing = true
	n.finish(rd)
	n.processing = false
	n.process()
}

// process takes Readys until there is none or one must wait for an fsync.
func (n *Node) process() {
	if n.processing || n.rn == nil {
		return
	}
	n.processing = true
	defer func() { n.processing = false }()
	for n.syncing == 0 && n.rn.HasReady() {
		rd := n.rn.Ready()
		if !n.persist(rd) {
			return
		}
		// A leader may send while its own copy is being written (thesis
		// §10.2.1; etcd's server does): etcd counts its own copy toward a
		// commit only once Advance says it is durable. Not a Ready that
		// changes the term or casts a vote.
		early := n.cfg.LeaderSendsEarly && rd.MustSync && n.rn.BasicStatus().RaftState == etcd.StateLeader &&
			(rd.HardState == nil || (rd.HardState.GetTerm() == n.hs.Term && rd.HardState.GetVote() == n.hs.Vote))
		if rd.HardState != nil {
			n.hs = hardStateFrom(rd.HardState)
		}
		// etcd's MustSync counts entries, term and vote, not a snapshot
		// (its server syncs the snapshot file itself): a snapshot
		// installed and acknowledged must be durable too, or a crash
		// takes back what the leader counted.
		if rd.MustSync || !etcd.IsEmptySnap(rd.Snapshot) {
			if early {
				if !n.send(rd.Messages) {
					return
				}
				rd.Messages = nil
			}
			n.syncing = n.env.Sync()
			n.waiting = rd
			break
		}
		n.finish(rd)
	}
	n.loseReads()
	if n.observer != nil {
		n.stepped, n.haveStepped, n.inStep = n.Status(), true, true
		err := n.observer.Stepped(n)
		n.inStep = false
		n.observe(err)
	}
}

// persist writes a Ready's HardState, snapshot and entries to the disk and
// the mirror, and tells the observer of the entries. false: the run failed.
func (n *Node) persist(rd etcd.Ready) bool {
	entries, err := entriesFrom(rd.Entries)
	if err != nil {
		n.env.Fail(err)
		return false
	}
	var hs *raft.HardState
	if rd.HardState != nil {
		h := hardStateFrom(rd.HardState)
		hs = &h
	}
	if rd.SoftState != nil {
		n.soft = *rd.SoftState
	}
	if !etcd.IsEmptySnap(rd.Snapshot) {
		snap := snapshotFrom(rd.Snapshot)
		// The term and vote first, in place (the snapshot may be of a term
		// the old HardState is below), with only the commit the old log
		// backs; then the snapshot and a WAL after it with the entries.
		if hs != nil {
			n.appendWAL(&raft.HardState{Term: hs.Term, Vote: hs.Vote, Commit: min(hs.Commit, n.hs.Commit)}, nil)
		}
		full := n.hs
		if hs != nil {
			full = *hs
		}
		n.snap, n.log = snap, nil
		n.writeSnapshot(snap, full, entries)
		n.observeAppend(entries)
		n.log = append(n.log, entries...)
		return true
	}
	n.observeAppend(entries)
	if len(entries) > 0 {
		// Entries from the first new index on replace what the log had
		// there (a conflicting suffix truncated).
		first := entries[0].Index
		keep := int(max(first, n.snap.Meta.Index+1) - n.snap.Meta.Index - 1)
		n.log = append(n.log[:min(keep, len(n.log))], entries...)
	}
	n.appendWAL(hs, entries)
	return true
}

// observeAppend tells the observer of entries about to enter the log.
func (n *Node) observeAppend(entries []raft.Entry) {
	if n.observer == nil || len(entries) == 0 {
		return
	}
	prevTerm, _ := n.Term(entries[0].Index - 1)
	n.observe(n.observer.Appending(n, prevTerm, entries))
}

// finish does the part of a Ready that may happen once it is durable.
func (n *Node) finish(rd etcd.Ready) {
	if !etcd.IsEmptySnap(rd.Snapshot) {
		if err := n.storage.ApplySnapshot(rd.Snapshot); err != nil {
			n.env.Fail(fmt.Errorf("etcdnode: %s applying snapshot to storage: %w", n.env.Name(), err))
			return
		}
	}
	if err := n.storage.Append(rd.Entries); err != nil {
		n.env.Fail(fmt.Errorf("etcdnode: %s appending to storage: %w", n.env.Name(), err))
		return
	}
	if rd.HardState != nil {
		if err := n.storage.SetHardState(rd.HardState); err != nil {
			n.env.Fail(fmt.Errorf("etcdnode: %s setting HardState: %w", n.env.Name(), err))
			return
		}
	}
	if !n.send(rd.Messages) {
		return
	}
	if n.joining && n.hs.Commit > 0 && n.snap.Meta.Index > 0 {
		// Caught up: it holds a leader's snapshot or log.
		n.env.Disk().Remove(raftnode.JoiningFile)
		n.joining = false
	}
	if !etcd.IsEmptySnap(rd.Snapshot) {
		n.install(snapshotFrom(rd.Snapshot))
	}
	if !n.apply(rd.CommittedEntries) {
		return
	}
	n.rn.Advance(rd)
	if n.app != nil && len(rd.ReadStates) > 0 {
		n.app.ReadStates(n.readStates(rd.ReadStates))
	}
	n.maybeSnapshot()
}

// send hands messages to the network, as bytes. false: a message names a
// node that does not exist, which fails the run.
func (n *Node) send(msgs []*pb.Message) bool {
	for _, m := range msgs {
		to, ok := n.peers.Addr(m.GetTo())
		if !ok {
			n.env.Fail(fmt.Errorf("etcdnode: %s addressed a message to unknown node %d", n.env.Name(), m.GetTo()))
			return false
		}
		if m.GetType() == pb.MsgSnap {
			n.freshenSnapshot(m)
		}
		data, err := marshal.Marshal(m)
		if err != nil {
			n.env.Fail(fmt.Errorf("etcdnode: %s encoding a %s: %w", n.env.Name(), m.GetType(), err))
			return false
		}
		n.env.Send(to, Wire{Data: data, Type: m.GetType(), Header: headerFrom(m)})
		// etcd's server tells its Raft what its transport finds out: a
		// peer it cannot reach (a broken or refused stream), and how a
		// snapshot's stream ended. A packet lost on a live stream is found
		// out by the follower's next reply only.
		unreachable := n.env.Unreachable(to)
		if unreachable {
			n.rn.ReportUnreachable(m.GetTo())
		}
		switch m.GetType() {
		case pb.MsgSnap:
			status := etcd.SnapshotFinish
			if unreachable {
				status = etcd.SnapshotFailure
			}
			n.rn.ReportSnapshot(m.GetTo(), status)
		case pb.MsgTimeoutNow:
			n.handedOver, n.handedOverTerm = true, m.GetTerm()
		}
	}
	return true
}

// freshenSnapshot makes a MsgSnap carry a snapshot its receiver can
// install. etcd/raft sends the latest snapshot in storage, and a node
// refuses a snapshot whose configuration leaves it out (raft.go's
// restore): a node added since that snapshot would be sent it forever.
// etcd's server sends a snapshot of its applied state with the current
// configuration instead (createMergedSnapshotMessage); so does this node,
// in that case only.
func (n *Node) freshenSnapshot(m *pb.Message) {
	cs := m.GetSnapshot().GetMetadata().GetConfState()
	to := m.GetTo()
	if slices.Contains(cs.GetVoters(), to) || slices.Contains(cs.GetLearners(), to) || slices.Contains(cs.GetVotersOutgoing(), to) || n.app == nil {
		return
	}
	term, ok := n.Term(n.appliedIndex)
	if !ok || n.appliedIndex < m.GetSnapshot().GetMetadata().GetIndex() {
		return
	}
	m.Snapshot = snapshotTo(raft.Snapshot{
		Meta: raft.SnapshotMeta{Index: n.appliedIndex, Term: term},
		Conf: n.conf,
		Data: n.app.Snapshot(),
	})
}

// apply hands committed entries to the observer, to etcd (configuration
// changes) and to the state machine. false: the run failed.
func (n *Node) apply(pes []*pb.Entry) bool {
	if len(pes) == 0 {
		return true
	}
	entries, err := entriesFrom(pes)
	if err != nil {
		n.env.Fail(err)
		return false
	}
	for i, e := range entries {
		switch e.Type {
		case raft.EntryNormal:
			n.appliedNormal++
		case raft.EntryConfChange:
			var cc pb.ConfChangeV2
			if err := proto.Unmarshal(pes[i].Data, &cc); err != nil {
				n.env.Fail(fmt.Errorf("etcdnode: %s applying %s: %w", n.env.Name(), e, err))
				return false
			}
			// etcd applies it to the configuration it has live; a change
			// that makes none of the one at the applied index changes
			// nothing there, as the checker's model has it.
			n.rn.ApplyConfChange(&cc)
			if next, err := n.nextConf(&cc); err == nil {
				n.conf = next
			}
			n.confIndex = e.Index
		}
		n.appliedBytes += len(e.Data)
	}
	n.appliedIndex = entries[len(entries)-1].Index
	if n.observer != nil {
		n.observe(n.observer.Applied(n, entries))
	}
	if n.app != nil {
		for _, e := range entries {
			n.app.Apply(e)
		}
	}
	return true
}

// nextConf is the configuration cc makes of the one in force at the
// applied index.
func (n *Node) nextConf(cc *pb.ConfChangeV2) (raft.ConfState, error) {
	ours, err := confChangeFrom(cc)
	if err != nil {
		return raft.ConfState{}, err
	}
	return ApplyConfChange(n.conf, ours)
}

// install loads a snapshot a leader sent, once its Ready is durable.
func (n *Node) install(snap raft.Snapshot) {
	n.appliedIndex = snap.Meta.Index
	n.appliedBytes = 0
	n.conf, n.confIndex = snap.Conf, snap.Meta.Index
	n.installs++
	if n.observer != nil {
		n.observe(n.observer.Restored(n, snap.Meta))
	}
	if n.app != nil {
		n.restore(snap, "installing")
	}
}

// restore loads a snapshot into the fresh state machine. The initial
// snapshot has no data: the state machine stands at its index as if it
// had applied a no-op there, the same on every node. false: the run
// failed.
func (n *Node) restore(snap raft.Snapshot, what string) bool {
	switch {
	case snap.IsEmpty():
	case len(snap.Data) == 0:
		n.app.Apply(raft.Entry{Index: snap.Meta.Index, Term: snap.Meta.Term, Type: raft.EntryNoOp})
	default:
		if err := n.app.Restore(snap.Meta.Index, snap.Data); err != nil {
			n.env.Fail(fmt.Errorf("etcdnode: %s %s snapshot %d/t%d: %w", n.env.Name(), what, snap.Meta.Index, snap.Meta.Term, err))
			return false
		}
	}
	return true
}

// maybeSnapshot compacts once Config's policy says it is time, at the last
// applied entry, with the configuration in force there.
func (n *Node) maybeSnapshot() {
	if n.app == nil || n.appliedIndex <= n.snap.Meta.Index {
		return
	}
	since := n.appliedIndex - n.snap.Meta.Index
	byCount := n.cfg.SnapshotEntries > 0 && since >= uint64(n.cfg.SnapshotEntries)
	bySize := n.cfg.SnapshotBytes > 0 && n.appliedBytes >= n.cfg.SnapshotBytes
	if !byCount && !bySize {
		return
	}
	ps, err := n.storage.CreateSnapshot(n.appliedIndex, confStateTo(n.conf), n.app.Snapshot())
	if err == nil {
		err = n.storage.Compact(n.appliedIndex)
	}
	if err != nil {
		n.env.Fail(fmt.Errorf("etcdnode: %s compacting at %d: %w", n.env.Name(), n.appliedIndex, err))
		return
	}
	snap := snapshotFrom(ps)
	n.log = n.log[min(int(snap.Meta.Index-n.snap.Meta.Index), len(n.log)):]
	n.snap = snap
	n.appliedBytes = 0
	n.snapshots++
	n.writeSnapshot(snap, n.hs, n.log)
	n.env.Note("etcdnode: snapshot at %d/t%d (%d bytes)", snap.Meta.Index, snap.Meta.Term, len(snap.Data))
	if n.observer != nil {
		n.observe(n.observer.Compacted(n, snap.Meta))
	}
}

// readStates converts confirmed reads, forgetting them as in flight.
func (n *Node) readStates(rss []etcd.ReadState) []raft.ReadState {
	out := make([]raft.ReadState, 0, len(rss))
	for _, rs := range rss {
		ctx, ok := readContextFrom(rs.RequestCtx)
		if !ok {
			continue
		}
		delete(n.reads, ctx)
		out = append(out, raft.ReadState{Index: rs.Index, RequestCtx: ctx})
	}
	return out
}

// loseReads answers as lost the reads in flight that etcd dropped: those
// of an older term, or of a node that no longer leads.
func (n *Node) loseReads() {
	if len(n.reads) == 0 || n.app == nil {
		return
	}
	bs := n.rn.BasicStatus()
	var lost []raft.ReadState
	for ctx, term := range n.reads {
		if bs.RaftState != etcd.StateLeader || bs.GetTerm() != term {
			lost = append(lost, raft.ReadState{RequestCtx: ctx, Lost: true})
		}
	}
	if len(lost) == 0 {
		return
	}
	// In ctx order: map order must not reach the service.
	slices.SortFunc(lost, func(a, b raft.ReadState) int { return compare(a.RequestCtx, b.RequestCtx) })
	for _, rs := range lost {
		delete(n.reads, rs.RequestCtx)
	}
	n.app.ReadStates(lost)
}

func compare(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (n *Node) observe(err error) {
	if err != nil {
		n.env.Fail(err)
	}
}

// errNotStarted is every request to a node that has not started.
var errNotStarted = errors.New("etcdnode: node not started")

// discard is etcd's logger, silenced: the trace records what matters.
type discard struct{}

func (discard) Debug(...any)            {}
func (discard) Debugf(string, ...any)   {}
func (discard) Error(...any)            {}
func (discard) Errorf(string, ...any)   {}
func (discard) Info(...any)             {}
func (discard) Infof(string, ...any)    {}
func (discard) Warning(...any)          {}
func (discard) Warningf(string, ...any) {}
func (discard) Fatal(v ...any)          { panic(fmt.Sprint(v...)) }
func (discard) Fatalf(f string, v ...any) {
	panic(fmt.Sprintf(f, v...))
}
func (discard) Panic(v ...any)            { panic(fmt.Sprint(v...)) }
func (discard) Panicf(f string, v ...any) { panic(fmt.Sprintf(f, v...)) }
