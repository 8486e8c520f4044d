package raft

import (
	"math/rand/v2"
	"slices"

	"raftcheck/raft/tracker"
)

// raft is one node's protocol state. It is driven entirely from outside:
// Tick advances time, Step delivers a message, propose appends a command.
// Everything it wants done (persist, send, apply) accumulates in its log
// cursors and msgs until RawNode hands it out as a Ready.
type raft struct {
	id uint64

	// Persistent state (Figure 2), made durable through Ready.HardState
	// before any message that depends on it is sent.
	term uint64 // currentTerm
	vote uint64 // votedFor in term, or None
	log  *raftLog

	state StateType
	lead  uint64 // the leader of term as far as we know, or None
	trk   *tracker.ProgressTracker

	// msgs are waiting for the next Ready. They leave only after the
	// state they reflect is durable (persist-before-send).
	msgs []Message
	// spareMsgs is the array of an advanced Ready's messages, which the
	// messages after the next Ready will fill (takeMessages).
	spareMsgs []Message
	// reads is the leader's ReadIndex bookkeeping (read_index.go);
	// readStates are confirmed or lost reads waiting for the next Ready.
	reads      readOnly
	readStates []ReadState

	// confStart is the configuration at the log's start and confs the
	// changes in the log after it, in order (membership.go); epochs
	// numbers the Progress a leader creates for members a change added.
	confStart ConfState
	confs     []confAt
	epochs    uint64

	// outgoing are the snapshots being sent, by follower (snapshot.go);
	// incoming is the snapshot this node is receiving, if any.
	outgoing map[uint64]Snapshot
	incoming incomingSnapshot

	preVote          bool
	checkQuorum      bool
	maxEntriesPerMsg uint64
	// The flow control bounds (flow.go), and the payload bytes the
	// leader appended in its term and has not committed.
	maxMsgBytes, maxUncommitted, maxCommittedPerReady uint64
	uncommitted                                       uint64
	maxSnapshotChunk                                  int

	// Time, in ticks. electionElapsed counts ticks since the last reset
	// (for a follower: since it last heard from a leader or granted a vote;
	// for a leader: since the last CheckQuorum round). heartbeatElapsed
	// counts ticks since the leader's last heartbeat.
	electionTimeout           int
	heartbeatTimeout          int
	randomizedElectionTimeout int
	electionElapsed           int
	heartbeatElapsed          int
	// leaseElapsed counts ticks, up to electionTimeout, since this node
	// last heard from a leader of any term (itself, while it leads) or,
	// if it has not, since it booted; see inLease. Unlike electionElapsed
	// it is not reset by a change of term.
	leaseElapsed int

	// leadTransferee is the voter the leader is handing its office to
	// (transfer.go), None if none, and transferElapsed the leader's ticks
	// since it began; handedOver says the leader sent MsgTimeoutNow in
	// its term.
	// joining is Config.Joining, until a leader has caught the log up.
	joining bool

	leadTransferee  uint64
	transferElapsed int
	handedOver      bool

	rand *rand.Rand

	// tick and step are the current role's behaviour, set by becomeX.
	tick func()
	step func(m Message) error
}

// newRaft builds a node from a validated config and its recovered state.
// It starts as a follower in the recovered term, remembering its vote.
func newRaft(cfg *Config) (*raft, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	r := &raft{
		id:               cfg.ID,
		term:             cfg.HardState.Term,
		vote:             cfg.HardState.Vote,
		log:              newRaftLog(cfg.Snapshot, cfg.Entries, cfg.HardState.Commit, cfg.Applied),
		trk:              tracker.NewProgressTracker(cfg.Peers, cfg.MaxInflightMsgs),
		outgoing:         map[uint64]Snapshot{},
		preVote:          cfg.PreVote,
		checkQuorum:      cfg.CheckQuorum,
		maxEntriesPerMsg: uint64(cfg.MaxEntriesPerMsg),
		joining:          cfg.Joining,
		maxMsgBytes:      cfg.MaxMsgBytes,
		maxUncommitted:   cfg.MaxUncommittedBytes,

		maxCommittedPerReady: cfg.MaxCommittedBytesPerReady,
		maxSnapshotChunk:     cfg.MaxSnapshotChunk,
		electionTimeout:      cfg.ElectionTick,
		heartbeatTimeout:     cfg.HeartbeatTick,
		rand:                 cfg.Rand,
	}
	start := cfg.Snapshot.Conf
	if cfg.Snapshot.IsEmpty() {
		start = ConfState{Voters: slices.Sorted(slices.Values(cfg.Peers))}
	}
	r.initConfig(start)
	r.becomeFollower(r.term, None) // same term: the vote is kept
	return r, nil
}

func (r *raft) hardState() HardState {
	return HardState{Term: r.term, Vote: r.vote, Commit: min(r.log.committed, r.log.persisted)}
}

// promotable reports whether this node may campaign: it must be a voter
// of the configuration in force, or of the latest committed one. The
// second is for a leader that appended a change removing itself (leaving
// a joint configuration, say) and lost office before the change
// committed: its log may be the only one the others' votes accept, while
// the others need its vote, so if it could not campaign the cluster
// would wait for ever. It counts votes in the configuration in force, as
// every node does, not counting its own, and steps down once the change
// commits (configCommitted).
func (r *raft) promotable() bool {
	return !r.joining && (r.trk.Voters.Contains(r.id) || r.configAt(r.log.committed).IsVoter(r.id))
}

// inLease reports whether this node has heard from a leader within the
// last election timeout (a leader counts itself). While that holds, a vote
// request comes from a node that merely lost touch with the leader, not
// from a cluster that needs a new one (thesis §9.6, §4.2.3).
//
// A node that has just booted counts as in a lease for its first election
// timeout: before it crashed it may have acknowledged a leader that counts
// on it not to vote for anyone else for an election timeout (a leader's
// lease, dissertation §6.4.1), and it has forgotten when. Waiting one
// election timeout after boot keeps that promise whatever it was; a
// candidate waits at least as long before its first campaign anyway.
//
// The lease is kept across a change of term: a stale response from a node
// stuck in a higher term moves this node to that term, but it still heard
// from its leader moments ago and has still promised not to vote.
func (r *raft) inLease() bool {
	return r.leaseElapsed < r.electionTimeout
}

// send queues m for the next Ready. From is always this node. Term is this
// node's term except for votes and their responses, whose callers set it:
// a pre-vote asks about a future term, and a granted (pre-)vote answers in
// the term it was asked about.
func (r *raft) send(m Message) {
	m.From = r.id
	switch m.Type {
	case MsgVote, MsgPreVote, MsgVoteResp, MsgPreVoteResp:
	default:
		m.Term = r.term
	}
	r.msgs = append(r.msgs, m)
}

// takeMessages hands the waiting messages to a Ready, and starts the next
// ones in the array the caller gave back at its last Advance: a run sends
// millions of messages, and an array per Ready would be most of what Raft
// allocates.
func (r *raft) takeMessages() []Message {
	if len(r.msgs) == 0 {
		return nil
	}
	out := r.msgs
	r.msgs, r.spareMsgs = r.spareMsgs, nil
	return out
}

// recycleMessages takes back the array of an advanced Ready's messages.
func (r *raft) recycleMessages(msgs []Message) {
	if cap(msgs) == 0 || r.spareMsgs != nil {
		return
	}
	clear(msgs) // their entries may be compacted away
	r.spareMsgs = msgs[:0]
}

// resetRandomizedElectionTimeout draws the next election timeout from
// [electionTimeout, 2*electionTimeout). Different nodes draw different
// timeouts, so one usually times out, campaigns and wins before the others
// wake up; this is what makes split votes rare and resolve (§5.2).
func (r *raft) resetRandomizedElectionTimeout() {
	r.randomizedElectionTimeout = r.electionTimeout + r.rand.IntN(r.electionTimeout)
}

// pastElectionTimeout reports whether the randomized timeout has run out.
func (r *raft) pastElectionTimeout() bool {
	return r.electionElapsed >= r.randomizedElectionTimeout
}
