// Package raft is raftcheck's own Raft: a pure, deterministic state machine
// implementing the protocol of Ongaro and Ousterhout's paper ("In Search of
// an Understandable Consensus Algorithm") with the PreVote and CheckQuorum
// extensions of Ongaro's dissertation. It is shaped after etcd-io/raft and
// meant to be read: comments cite the rule of the paper each piece
// implements.
//
// # What it is not allowed to do
//
// No goroutines, channels, clocks, I/O or global randomness. Time is the
// ticks the caller delivers; randomness is Config.Rand; messages and disk
// writes are requests handed to the caller in a Ready. Nothing depends on Go
// map iteration order (peers are always visited in increasing ID order).
// The same inputs therefore always produce the same outputs, which is what
// lets raftcheck's simulator replay a run from its seed.
//
// raft imports only the standard library and its own subpackages
// (raft/tracker, raft/quorum). It must never import anything else of the
// project: in particular not harness/, which drives it.
//
// # Driving a node
//
//	rn, err := raft.NewRawNode(cfg)
//	loop:
//	    rn.Tick()            // every tick of the caller's clock
//	    rn.Step(msg)         // every message received
//	    rn.Propose(data)     // on the leader, to replicate a command
//	    rn.ReadIndex(ctx)    // on the leader, to start a linearizable read
//	    rn.ProposeConfChange(cc) // on the leader, to change the membership
//	    if rn.HasReady() {
//	        rd := rn.Ready()
//	        persist rd.HardState, rd.Snapshot, rd.Entries (fsync if rd.MustSync)
//	        send rd.Messages
//	        load rd.Snapshot into the state machine, if any
//	        apply rd.CommittedEntries
//	        for each rs in rd.ReadStates:
//	            if rs.Lost: tell the client to retry elsewhere
//	            else: serve read rs.RequestCtx once applied >= rs.Index
//	        rn.Advance(rd)
//	    }
//	    now and then, once applied:
//	        snap, err := rn.Compact(applied, stateMachine.Snapshot())
//	        persist snap, then drop the durable entries up to snap.Meta.Index
//
// # The persistence contract
//
// The caller must make Ready.HardState and Ready.Entries durable before it
// sends any of Ready.Messages, then apply Ready.CommittedEntries, then call
// Advance. Raft's safety depends on it:
//
//   - A vote is recorded in HardState.Vote in the same Ready as the
//     MsgVoteResp granting it, and a term change in the same Ready as any
//     message sent in the new term; so a node that crashes and restarts can
//     never vote twice in one term or go back to an older term.
//   - A follower's MsgAppResp acknowledging entries is in the same Ready as
//     those entries (or a later one): an acknowledgement is a promise that
//     survives a crash, which is what lets a leader count it towards a
//     majority.
//   - When Entries[0].Index is at or below the last durable index, the
//     durable log must first be cut back to Entries[0].Index-1: a leader
//     overwrote an uncommitted suffix (Figure 2, AppendEntries rule 3).
//   - CommittedEntries only ever contain entries already durable on this
//     node (persisted by an earlier Ready and confirmed by Advance), so a
//     state machine never applies an entry this node could lose.
//
// The leader's own log: this implementation does NOT use the dissertation's
// §10.2.1 variant (leader writes its disk in parallel with replication).
// A leader counts itself towards a quorum only for entries it has persisted,
// i.e. once Advance confirms the Ready that carried them. Its MsgApps travel
// in that same Ready and so leave after the leader's own write; followers'
// acks then arrive for entries the leader already holds durably. The cost is
// one local write of latency before replication starts; the benefit is
// that "a majority holds it durably" is literally true of every committed
// entry, the leader included.
//
// HardState.Commit never exceeds the last durable entry of this node's
// log: a crash may keep a Ready's HardState without its Entries, so a
// commit index written with entries that did not survive must not point
// past what did. The caller writes the HardState before the Entries (or
// both at once): a Ready that moves to a new term may carry entries of
// that term, and a crash that kept them without the HardState would leave
// entries above the durable term, a state NewRawNode refuses to recover.
//
// On restart the caller passes the durable HardState, log and applied
// index back in Config. The commit index comes from HardState.Commit,
// clamped to the last durable entry.
//
// Step, Tick, Propose and ReadIndex may be called between Ready and
// Advance; what they produce goes into the next Ready. Readys are handed
// out one at a time: HasReady is false, and Ready panics, until the
// previous one is advanced.
//
// # Layout
//
//	raft.go, become.go        the node's state and its role transitions
//	tick.go                   election timeout, heartbeats, CheckQuorum
//	step.go, step_roles.go    message dispatch: term rules, then per role
//	election.go               (pre-)campaigns and voting (§5.2, §5.4.1, §9.6)
//	replication.go            the leader's side of log replication (§5.3)
//	read_index.go             linearizable reads without log entries (§6.4)
//	snapshot.go               compaction and InstallSnapshot, in chunks (§7)
//	confchange.go             configurations, changes, and the rules of both
//	membership.go             configuration in force on append; joint
//	                          consensus, learners, removed leaders (ch. 4)
//	append.go                 the follower's side of log replication
//	log.go, log_cursors.go    the log and its commit/persist/apply cursors
//	rawnode.go, ready.go      the caller's interface and the Ready contract
//	entry.go, message.go,     the data types: entries, HardState, messages
//	state.go, status.go       (with compact String forms for traces), roles,
//	config.go, errors.go      Status, Config and its validation, errors
//	tracker/, quorum/         per-follower progress; majority arithmetic
//
// # Snapshots
//
// The caller snapshots its state machine at an applied index and hands it
// to Compact, which discards the log up to there; the caller persists the
// snapshot before it drops its durable copy of those entries. A follower
// whose next entry the leader no longer holds is sent the snapshot in
// chunks (MsgSnap), installs it by thesis Figure 13's rules (keep the log
// after the snapshot only if it holds the snapshot's last entry), and the
// caller receives it in Ready.Snapshot to persist and load before anything
// after it. On restart Config.Snapshot and the entries after it come back.
//
// # Membership
//
// RawNode.ProposeConfChange adds and removes voters and learners: one voter
// directly, more through a joint configuration (thesis §4.3) that the
// leader leaves by itself or when asked. A configuration is in force on a
// node from the moment its entry is in the node's log; see membership.go
// for the rules a leader keeps before it proposes one.
//
// Not yet implemented, with room left for it: forwarding ReadIndex from
// followers to the leader, and leader transfer (message types are
// appended after the existing ones). Lease reads are the service's
// (harness/kv), on ReadIndex rounds.
package raft
