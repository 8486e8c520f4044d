package raftnode

import (
	"errors"
	"fmt"
	"time"

	"raftcheck/harness"
	"raftcheck/raft"
	"raftcheck/raft/wal"
)

// WALFile is the name of the write-ahead log on a node's disk.
const WALFile = "raft.wal"

// Config is how a cluster's nodes are set up; every node of a cluster
// shares it, except its own ID.
type Config struct {
	// TickInterval is the local time between Raft ticks.
	TickInterval time.Duration `json:"tick_interval"`
	// ElectionTick and HeartbeatTick are in ticks (see raft.Config).
	ElectionTick  int  `json:"election_tick"`
	HeartbeatTick int  `json:"heartbeat_tick"`
	PreVote       bool `json:"pre_vote"`
	CheckQuorum   bool `json:"check_quorum"`
	// MaxInflightMsgs and MaxEntriesPerMsg bound pipelining and batching.
	MaxInflightMsgs  int `json:"max_inflight_msgs"`
	MaxEntriesPerMsg int `json:"max_entries_per_msg"`
	// MaxSnapshotChunk bounds the bytes of one InstallSnapshot chunk; 0
	// means DefaultSnapshotChunk.
	MaxSnapshotChunk int `json:"max_snapshot_chunk,omitempty"`
	// Flow control (raft/flow.go), in bytes of entry payload, 0 for no
	// bound: the leader's uncommitted backlog, one MsgApp, and the
	// committed entries of one Ready.
	MaxUncommittedBytes       uint64 `json:"max_uncommitted_bytes,omitempty"`
	MaxMsgBytes               uint64 `json:"max_msg_bytes,omitempty"`
	MaxCommittedBytesPerReady uint64 `json:"max_committed_bytes_per_ready,omitempty"`
	// LeaderSendsEarly lets a leader send a Ready's messages while that
	// Ready's entries are still being written (Raft thesis §10.2.1, and
	// how etcd's server drives etcd/raft): safe only because Raft counts
	// the leader's own copy toward a commit once it is durable. Only a
	// leader's Ready goes early, and only one that changes neither the
	// term nor the vote: votes and a follower's acknowledgements always
	// wait for their fsync.
	LeaderSendsEarly bool `json:"leader_sends_early,omitempty"`
	// ApplyDelay, when positive, applies committed entries in batches, at
	// most this long after Raft hands them over (a timer started by the
	// first entry of a batch takes every entry handed over until it
	// fires), as a server whose state machine runs behind its Raft does
	// (etcd applies on its own goroutine): a read served at a commit index
	// must then wait until it is applied. Zero applies at once.
	ApplyDelay time.Duration `json:"apply_delay,omitempty"`
	// SnapshotEntries, when positive, snapshots the state machine and
	// compacts the log once that many entries were applied since the last
	// snapshot; SnapshotBytes, when positive, once that many bytes of
	// entry data were. Zero for both never compacts.
	SnapshotEntries int `json:"snapshot_entries,omitempty"`
	SnapshotBytes   int `json:"snapshot_bytes,omitempty"`
	// Voters are the IDs of the initial configuration's voters; empty for
	// every node. The other nodes start outside the configuration and
	// wait to be added by a configuration change.
	Voters []uint64 `json:"voters,omitempty"`
	// LeaseBasedReadIndex has ReadIndex answer from the leader's lease,
	// with no round of heartbeats (etcd's ReadOnlyLeaseBased, sound only
	// with CheckQuorum and clocks that keep pace). Only etcd/raft has it;
	// the service then reads through ReadIndex in lease mode.
	LeaseBasedReadIndex bool `json:"lease_based_read_index,omitempty"`
	// Bug plants a known bug in the node, on purpose, to show that the
	// checkers catch it (raftcheck zoo); "" for none. See bugs.go.
	Bug string `json:"bug,omitempty"`
}

// DefaultSnapshotChunk is the chunk size of InstallSnapshot when
// Config.MaxSnapshotChunk is 0.
const DefaultSnapshotChunk = 64 << 10

// snapshotChunk is the chunk size in force.
func (c Config) snapshotChunk() int {
	if c.MaxSnapshotChunk == 0 {
		return DefaultSnapshotChunk
	}
	return c.MaxSnapshotChunk
}

// DefaultConfig is a cluster with 10ms ticks, a 100–200ms election timeout,
// heartbeats every 20ms, and PreVote and CheckQuorum on.
func DefaultConfig() Config {
	return Config{
		TickInterval:     10 * time.Millisecond,
		ElectionTick:     10,
		HeartbeatTick:    2,
		PreVote:          true,
		CheckQuorum:      true,
		MaxInflightMsgs:  64,
		MaxEntriesPerMsg: 64,
	}
}

// Validate reports a configuration that cannot run.
func (c Config) Validate() error {
	if c.TickInterval <= 0 {
		return fmt.Errorf("raftnode: tick interval must be positive, got %v", c.TickInterval)
	}
	if c.HeartbeatTick <= 0 || c.ElectionTick <= c.HeartbeatTick {
		return fmt.Errorf("raftnode: need 0 < heartbeat tick < election tick, got %d and %d", c.HeartbeatTick, c.ElectionTick)
	}
	if c.MaxInflightMsgs <= 0 || c.MaxEntriesPerMsg <= 0 {
		return errors.New("raftnode: max inflight messages and max entries per message must be positive")
	}
	if c.MaxSnapshotChunk < 0 {
		return fmt.Errorf("raftnode: max snapshot chunk must not be negative, got %d", c.MaxSnapshotChunk)
	}
	seen := map[uint64]bool{}
	for _, id := range c.Voters {
		if id == 0 || seen[id] {
			return fmt.Errorf("raftnode: initial voters %v: ids must be distinct and not 0", c.Voters)
		}
		seen[id] = true
	}
	if c.SnapshotEntries < 0 || c.SnapshotBytes < 0 {
		return fmt.Errorf("raftnode: snapshot entries and bytes must not be negative, got %d and %d", c.SnapshotEntries, c.SnapshotBytes)
	}
	if c.ApplyDelay < 0 {
		return fmt.Errorf("raftnode: apply delay must not be negative, got %v", c.ApplyDelay)
	}
	if c.Bug != "" && !bugs[c.Bug] {
		return fmt.Errorf("raftnode: unknown bug %q", c.Bug)
	}
	return nil
}

// Peers maps Raft node IDs to world addresses and back. IDs are 1..n and a
// node with ID i lives at Addrs[i-1].
type Peers struct {
	Addrs []harness.Addr
}

// IDs are the Raft IDs of every node, in order.
func (p Peers) IDs() []uint64 {
	ids := make([]uint64, len(p.Addrs))
	for i := range ids {
		ids[i] = uint64(i + 1)
	}
	return ids
}

// Addr is the address of the node with the given ID.
func (p Peers) Addr(id uint64) (harness.Addr, bool) {
	if id == 0 || id > uint64(len(p.Addrs)) {
		return 0, false
	}
	return p.Addrs[id-1], true
}

// ID is the Raft ID of the node at addr.
func (p Peers) ID(addr harness.Addr) (uint64, bool) {
	for i, a := range p.Addrs {
		if a == addr {
			return uint64(i + 1), true
		}
	}
	return 0, false
}

// Envelope carries a raft.Message over the simulated network.
type Envelope struct{ Msg raft.Message }

// AppendTrace renders the message in the world's trace.
func (e Envelope) AppendTrace(b []byte) []byte { return e.Msg.Append(b) }

// Node is one Raft server in the simulated world. A crash discards the
// value; a restart builds a new one that recovers from the WAL.
type Node struct {
	id       uint64
	cfg      Config
	peers    Peers
	observer Observer
	app      App

	env *harness.Env
	rn  *raft.RawNode
	// stepped is the Raft's status when the observer was last told of a
	// step, and inStep says it is being told now: nothing moves the Raft
	// then, and every check asks for the status, so it is read once.
	stepped     raft.Status
	haveStepped bool
	inStep      bool
	// syncing is the id of the outstanding fsync (0 when none) and
	// waiting the Ready whose messages wait for it.
	syncing uint64
	waiting raft.Ready
	// appliedIndex is the last entry this incarnation applied (or the
	// snapshot it loaded), and appliedNormal how many of them were normal
	// entries (it re-applies from its snapshot, or from index 1, after a
	// restart: its state machine is volatile). appliedBytes is the entry
	// data applied since the last snapshot.
	appliedIndex  uint64
	appliedNormal int
	appliedBytes  int
	// snapshots and installs count the snapshots this incarnation took
	// and installed.
	snapshots, installs int
	// recoveredTorn is the number of torn bytes cut off the WAL at Start.
	recoveredTorn int
	walBuf        []byte
	// hardState is the last HardState written to the WAL.
	hardState raft.HardState
	// toApply are committed entries waiting for the apply timer (with an
	// ApplyDelay), oldest first.
	toApply []raft.Entry
	// processing is set while process runs: an app that proposes from
	// inside Apply must not start a nested Ready before the current one is
	// advanced; the running loop picks its work up.
	processing bool
	// joining says the node rejoins after its disk was replaced
	// (JoiningFile), until Raft says it caught up.
	joining bool
}

// New returns a factory for the node with the given ID, for World.AddNode.
// observer may be nil; so may newApp, for a node that runs no service.
func New(id uint64, cfg Config, peers Peers, observer Observer, newApp func() App) func() harness.Node {
	return func() harness.Node {
		n := &Node{id: id, cfg: cfg, peers: peers, observer: observer}
		if newApp != nil {
			n.app = newApp()
		}
		return n
	}
}

// ID is the node's Raft ID.
func (n *Node) ID() uint64 { return n.id }

// Name is the node's name in the world ("n1"), or "node <id>" before it
// starts.
func (n *Node) Name() string {
	if n.env == nil {
		return fmt.Sprintf("node %d", n.id)
	}
	return n.env.Name()
}

// Status is the Raft node's state; a zero Status before Start.
func (n *Node) Status() raft.Status {
	if n.inStep {
		return n.stepped
	}
	if n.rn == nil {
		return raft.Status{ID: n.id}
	}
	return n.rn.Status()
}

// Entry is the entry at index in this node's log.
func (n *Node) Entry(index uint64) (raft.Entry, bool) {
	if n.rn == nil {
		return raft.Entry{}, false
	}
	return n.rn.Entry(index)
}

// initialVoters are the voters of the initial configuration.
func (n *Node) initialVoters() []uint64 {
	if len(n.cfg.Voters) > 0 {
		return n.cfg.Voters
	}
	return n.peers.IDs()
}

// ProposeConfChange hands a configuration change to Raft
// (raft.RawNode.ProposeConfChange). It fails unless this node leads and
// the change can be made now.
func (n *Node) ProposeConfChange(cc raft.ConfChange) (index, term uint64, err error) {
	if n.rn == nil {
		return 0, 0, errors.New("raftnode: node not started")
	}
	index, term, err = n.rn.ProposeConfChange(cc)
	if err == nil {
		n.process()
	}
	return index, term, err
}

// TransferLeadership asks this node, which must lead, to hand its office
// to voter to (raft.RawNode.TransferLeadership).
func (n *Node) TransferLeadership(to uint64) error {
	if n.rn == nil {
		return errors.New("raftnode: node not started")
	}
	err := n.rn.TransferLeadership(to)
	if err == nil {
		n.process()
	}
	return err
}

// ConfState is the configuration in force on this node: the latest in its
// log (zero before Start).
func (n *Node) ConfState() raft.ConfState {
	if n.rn == nil {
		return raft.ConfState{}
	}
	return n.rn.ConfState()
}

// SnapshotConf is the configuration the node's snapshot carries (zero
// without one).
func (n *Node) SnapshotConf() raft.ConfState {
	if n.rn == nil {
		return raft.ConfState{}
	}
	return n.rn.Snapshot().Conf
}

// ConfIndex is the index of the change that made ConfState
// (raft.RawNode.ConfIndex).
func (n *Node) ConfIndex() uint64 {
	if n.rn == nil {
		return 0
	}
	return n.rn.ConfIndex()
}

// Term is the term of the entry at index in this node's log, the last
// entry its snapshot covers included (raft.RawNode.Term).
func (n *Node) Term(index uint64) (uint64, bool) {
	if n.rn == nil {
		return 0, false
	}
	return n.rn.Term(index)
}

// AppliedIndex is the index of the last entry this incarnation applied.
func (n *Node) AppliedIndex() uint64 { return n.appliedIndex }

// Progress visits the replication progress the node tracks as leader.
func (n *Node) Progress(visit func(id, match, next uint64)) {
	if n.rn != nil {
		n.rn.Progress(visit)
	}
}

// AppliedNormal is how many normal (non-no-op) entries this incarnation
// applied.
func (n *Node) AppliedNormal() int { return n.appliedNormal }

// RecoveredTornBytes is how many bytes of a torn WAL record this
// incarnation discarded when it started.
func (n *Node) RecoveredTornBytes() int { return n.recoveredTorn }

// Start recovers the node from its WAL and starts ticking.
func (n *Node) Start(env *harness.Env) {
	n.env = env
	hs, snap, entries, ok := n.recover()
	if !ok {
		return
	}
	rn, err := raft.NewRawNode(raft.Config{
		ID:               n.id,
		Peers:            n.initialVoters(),
		ElectionTick:     n.cfg.ElectionTick,
		HeartbeatTick:    n.cfg.HeartbeatTick,
		PreVote:          n.cfg.PreVote,
		CheckQuorum:      n.cfg.CheckQuorum,
		MaxInflightMsgs:  n.cfg.MaxInflightMsgs,
		MaxEntriesPerMsg: n.cfg.MaxEntriesPerMsg,
		MaxSnapshotChunk: n.cfg.snapshotChunk(),

		MaxUncommittedBytes:       n.cfg.MaxUncommittedBytes,
		MaxMsgBytes:               n.cfg.MaxMsgBytes,
		MaxCommittedBytesPerReady: n.cfg.MaxCommittedBytesPerReady,
		Rand:                      env.Rand().Rand(),
		HardState:                 hs,
		Snapshot:                  snap,
		Entries:                   entries,
		Applied:                   snap.Meta.Index,
		Joining:                   env.Disk().Size(JoiningFile) >= 0,
	})
	if err != nil {
		env.Fail(fmt.Errorf("raftnode: recovering %s: %w", env.Name(), err))
		return
	}
	n.rn = rn
	n.joining = rn.Status().Joining
	n.hardState = hs
	n.appliedIndex = snap.Meta.Index
	if n.observer != nil {
		n.observe(n.observer.Started(n))
	}
	env.SetTimer(n.cfg.TickInterval, 0)
	if n.app != nil {
		n.app.Start(n)
		if !snap.IsEmpty() {
			if err := n.app.Restore(snap.Meta.Index, snap.Data); err != nil {
				env.Fail(fmt.Errorf("raftnode: %s loading snapshot %d/t%d: %w", env.Name(), snap.Meta.Index, snap.Meta.Term, err))
				return
			}
		}
	}
	n.process()
}

// applyTimerTag is the timer of delayed applies (Config.ApplyDelay); app
// tags are shifted by one and never reach it.
const applyTimerTag = ^uint64(0)

// Timer is the Raft tick (tag 0), the apply timer, or an app timer.
func (n *Node) Timer(tag uint64) {
	if tag == applyTimerTag {
		entries := n.toApply
		n.toApply = nil
		n.processing = true // an app that proposes from Apply waits for the loop
		n.apply(entries)
		n.maybeSnapshot()
		n.processing = false
		n.process()
		return
	}
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
	n.rn.Tick()
	if n.observer != nil && n.haveStepped && n.syncing == 0 && !n.rn.HasReady() && n.rn.Status() == n.stepped {
		// Most ticks of a follower only count towards its election
		// timeout: nothing to write, send or apply, and no change an
		// observer could see since its last step. (Ticking has counted
		// the tick.)
		return
	}
	n.process()
}

// Receive steps a message from a peer.
func (n *Node) Receive(from harness.Addr, payload any) {
	env, ok := payload.(Envelope)
	if !ok {
		if n.app != nil {
			n.app.Receive(from, payload)
			n.process()
		} else {
			n.env.Note("raftnode: ignoring a %T from %s", payload, n.env.Name())
		}
		return
	}
	if err := n.rn.Step(env.Msg); err != nil {
		if errors.Is(err, raft.ErrSafetyViolation) {
			// The message could only exist if Raft's safety were already
			// broken somewhere (two leaders in a term, a committed entry
			// about to be overwritten): that ends the run.
			n.env.Fail(err)
			return
		}
		if errors.Is(err, raft.ErrMalformedMessage) || errors.Is(err, raft.ErrUnknownMessageType) {
			// Peers speak the same Raft and the network corrupts no
			// byte: a message that is not well formed when it arrives
			// was built wrong, or its sender changed memory it had
			// handed over (a log array rewritten in place under an
			// append in flight). Either is a bug of the system.
			n.env.Fail(fmt.Errorf("raftnode: %s refused a malformed message from a peer: %w", n.env.Name(), err))
			return
		}
		// Otherwise Step refused what it cannot use (a message for
		// another node); record it, as a server would
		// log it.
		n.env.Note("raftnode: step %s: %v", env.Msg, err)
	}
	n.process()
}

// Propose hands a command to Raft. It fails unless this node is the leader.
func (n *Node) Propose(data []byte) (index, term uint64, err error) {
	if n.rn == nil {
		return 0, 0, errors.New("raftnode: node not started")
	}
	index, term, err = n.rn.Propose(data)
	if err == nil {
		n.process()
	}
	return index, term, err
}

// Synced resumes the Ready that waited for an fsync.
func (n *Node) Synced(id uint64) {
	if id != n.syncing {
		return
	}
	n.syncing = 0
	rd := n.waiting
	n.waiting = raft.Ready{}
	n.processing = true // finish may run app code that proposes
	n.finish(rd)
	n.processing = false
	n.process()
}

// process takes Readys until there is none or one must wait for an fsync.
func (n *Node) process() {
	if n.processing {
		return
	}
	n.processing = true
	defer func() { n.processing = false }()
	for n.syncing == 0 && n.rn.HasReady() {
		rd := n.rn.Ready()
		buf := n.walBuf[:0]
		// Whether a leader may send before this Ready is durable: only
		// if it neither changes the term nor casts a vote.
		early := n.cfg.LeaderSendsEarly && rd.MustSync && n.rn.Status().State == raft.StateLeader &&
			(rd.HardState.IsEmpty() || (rd.HardState.Term == n.hardState.Term && rd.HardState.Vote == n.hardState.Vote))
		if !rd.HardState.IsEmpty() {
			hs := n.diskHardState(rd.HardState)
			if !rd.Snapshot.IsEmpty() {
				// Written in place, before the snapshot: the term and
				// vote, with only the commit index the old log backs (the
				// WAL after the snapshot carries the new one).
				hs.Commit = min(hs.Commit, n.hardState.Commit)
			}
			n.hardState = rd.HardState
			buf = wal.AppendHardState(buf, hs)
		}
		if n.observer != nil && len(rd.Entries) > 0 {
			prevTerm := rd.Snapshot.Meta.Term
			if prev, ok := n.rn.Entry(rd.Entries[0].Index - 1); ok {
				prevTerm = prev.Term
			} else if snap := n.rn.Snapshot().Meta; snap.Index == rd.Entries[0].Index-1 {
				prevTerm = snap.Term
			}
			n.observe(n.observer.Appending(n, prevTerm, rd.Entries))
		}
		if !rd.Snapshot.IsEmpty() {
			// The HardState first, to the WAL in place: the snapshot may
			// be of a term the old HardState is below (the Ready
			// contract, step 1). Then the snapshot, and a new WAL after
			// it carrying the Ready's entries.
			if len(buf) > 0 {
				n.env.Disk().Append(WALFile, buf)
			}
			n.writeSnapshot(rd.Snapshot, n.hardState, rd.Entries)
		} else {
			for _, e := range rd.Entries {
				buf = wal.AppendEntry(buf, e)
			}
			if len(buf) > 0 {
				n.env.Disk().Append(WALFile, buf)
			}
			n.walBuf = buf
		}
		if rd.MustSync && n.cfg.Bug == BugAckBeforeFsync {
			n.env.Sync() // planted: what follows does not wait for it
		} else if rd.MustSync {
			if early {
				if !n.send(rd.Messages) {
					return // the run has failed
				}
				rd.Messages = nil
			}
			n.syncing = n.env.Sync()
			n.waiting = rd
			break
		}
		n.finish(rd)
	}
	if n.observer != nil {
		n.stepped, n.haveStepped, n.inStep = n.rn.Status(), true, true
		err := n.observer.Stepped(n)
		n.inStep = false
		n.observe(err)
	}
}

// diskHardState is hs as the node writes it to its disk.
func (n *Node) diskHardState(hs raft.HardState) raft.HardState {
	if n.cfg.Bug == BugForgetVote {
		hs.Vote = raft.None // planted: the vote never reaches the disk
	}
	return hs
}

// finish does the part of a Ready that may happen once it is durable.
func (n *Node) finish(rd raft.Ready) {
	if !n.send(rd.Messages) {
		return
	}
	if n.joining && !n.rn.Status().Joining {
		// Caught up: the note goes, after the log that proves it (the
		// disk keeps its operations in order).
		n.env.Disk().Remove(JoiningFile)
		n.joining = false
	}
	if !rd.Snapshot.IsEmpty() {
		n.install(rd.Snapshot)
	}
	switch {
	case len(rd.CommittedEntries) == 0:
	case n.cfg.ApplyDelay > 0:
		if len(n.toApply) == 0 {
			n.env.SetTimer(n.cfg.ApplyDelay, applyTimerTag)
		}
		n.toApply = append(n.toApply, rd.CommittedEntries...)
	default:
		n.apply(rd.CommittedEntries)
	}
	n.rn.Advance(rd)
	// Read states go to the app after Advance, when the entries of this
	// Ready count as applied by Raft; with an ApplyDelay the state
	// machine may still be behind them, and a read must wait for it.
	if n.app != nil && len(rd.ReadStates) > 0 {
		n.app.ReadStates(rd.ReadStates)
	}
	n.maybeSnapshot()
}

// apply hands committed entries to the observer and the state machine.
func (n *Node) apply(entries []raft.Entry) {
	if len(entries) == 0 {
		return
	}
	for _, e := range entries {
		if e.Type == raft.EntryNormal {
			n.appliedNormal++
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
}

// send hands messages to the network; false if one is addressed to a node
// that does not exist, which fails the run.
func (n *Node) send(msgs []raft.Message) bool {
	for _, m := range msgs {
		to, ok := n.peers.Addr(m.To)
		if !ok {
			n.env.Fail(fmt.Errorf("raftnode: %s addressed a message to unknown node %d", n.env.Name(), m.To))
			return false
		}
		if n.cfg.Bug == BugDropLargeAppends && m.Type == raft.MsgApp && len(m.Entries) > largeAppend {
			continue // planted: the transport loses it without a word
		}
		n.env.Send(to, Envelope{Msg: m})
	}
	return true
}

func (n *Node) observe(err error) {
	if err != nil {
		n.env.Fail(err)
	}
}
