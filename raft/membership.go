package raft

import (
	"errors"
	"fmt"
	"slices"

	"raftcheck/raft/quorum"
	"raftcheck/raft/tracker"
)

// This file is how a node changes its configuration (thesis chapter 4).
//
// A configuration takes effect on every node as soon as its entry is in
// the node's log, committed or not (thesis §4.1): a node always uses the
// latest configuration in its log. If that entry is later truncated (it
// was never committed), the node falls back to the configuration before
// it. The configuration at the log's start is the snapshot's (or, before
// any snapshot, the initial one every node is given).
//
// A leader proposes a change only
//   - once an entry of its own term has committed: a leader elected under
//     an uncommitted configuration may otherwise commit a second change
//     whose majorities do not intersect the other's (the single-server
//     change bug of 2015, raft-dev "bug in single-server membership
//     changes"; the fix is the no-op every leader appends first);
//   - when no other change is pending (uncommitted), so that consecutive
//     configurations differ by one change;
// and a change of more than one voter goes through a joint configuration
// (§4.3), in which every decision needs a majority of the old voters and
// of the new. A joint configuration with AutoLeave is left by the leader,
// with an empty change, as soon as it commits.
//
// A leader that is not a voter of the configuration it commits steps down
// (§4.2.2); until then it manages a cluster it is not part of, counting
// itself in no majority. A node that is not a voter never campaigns.

// confAt is the configuration an EntryConfChange at index leaves.
type confAt struct {
	index uint64
	conf  ConfState
}

var (
	// ErrConfChangeTooEarly is ProposeConfChange on a leader that has not
	// yet committed an entry of its own term.
	ErrConfChangeTooEarly = errors.New("raft: no entry of the leader's term is committed yet")
	// ErrConfChangePending is ProposeConfChange while another change is
	// not yet committed.
	ErrConfChangePending = errors.New("raft: a configuration change is pending")
)

// initConfig sets the configuration from the log's start (the snapshot's,
// or the initial one) and the changes in the recovered entries.
func (r *raft) initConfig(start ConfState) {
	r.confStart = start
	r.confs = nil
	r.scanConfigs(r.log.firstIndex())
	r.useConfig(r.config())
}

// config is the configuration in force: the latest in the log.
func (r *raft) config() ConfState {
	if n := len(r.confs); n > 0 {
		return r.confs[n-1].conf
	}
	return r.confStart
}

// configAt is the configuration in force at index: the latest change at
// or before it, or the log's start.
func (r *raft) configAt(index uint64) ConfState {
	cs := r.confStart
	for _, c := range r.confs {
		if c.index > index {
			break
		}
		cs = c.conf
	}
	return cs
}

// lastConfigIndex is the index of the latest change in the log (the log's
// start if it holds none).
func (r *raft) lastConfigIndex() uint64 {
	if n := len(r.confs); n > 0 {
		return r.confs[n-1].index
	}
	return r.log.offset()
}

// scanConfigs records the changes among the entries from index from on,
// each applied to the configuration before it. A change that cannot be
// made from it changes nothing; a leader never proposes one, so this only
// keeps a node deterministic about a log it did not check.
func (r *raft) scanConfigs(from uint64) {
	for _, e := range r.log.slice(from, r.log.lastIndex()+1) {
		if e.Type != EntryConfChange {
			continue
		}
		next := r.config()
		if cc, err := DecodeConfChange(e.Data); err == nil {
			if cs, err := next.Apply(cc); err == nil {
				next = cs
			}
		}
		r.confs = append(r.confs, confAt{index: e.Index, conf: next})
	}
}

// logChanged is called after the log was written from index from on (a
// leader's append, a follower's accepted append): changes from there on
// that are gone are forgotten, new ones recorded, and the latest put in
// force.
func (r *raft) logChanged(from uint64) {
	before := r.config()
	i := len(r.confs)
	for i > 0 && r.confs[i-1].index >= from {
		i--
	}
	r.confs = r.confs[:i]
	r.scanConfigs(from)
	if after := r.config(); !after.Equal(before) {
		r.useConfig(after)
	}
}

// touchesConfig reports whether writing ents from index written on
// replaced or added a configuration change: most appends do neither, and
// need no rescan.
func (r *raft) touchesConfig(written uint64, ents []Entry) bool {
	if n := len(r.confs); n > 0 && r.confs[n-1].index >= written {
		return true
	}
	for _, e := range ents {
		if e.Type == EntryConfChange && e.Index >= written {
			return true
		}
	}
	return false
}

// compactConfigs moves the log's start to index: the configuration there
// becomes the start's, the changes up to it are forgotten.
func (r *raft) compactConfigs(index uint64) ConfState {
	cs := r.configAt(index)
	r.confStart = cs
	r.confs = slices.DeleteFunc(r.confs, func(c confAt) bool { return c.index <= index })
	return cs
}

// useConfig puts cs in force: the tracker's voters and learners, a Progress
// for every member (a leader starts probing new ones, each with a new
// epoch that its acknowledgements must echo, so that answers to appends
// sent to an earlier membership of the same node never count), none for
// former ones. A candidate that is no longer a voter stops campaigning.
func (r *raft) useConfig(cs ConfState) {
	cfg := tracker.Config{
		Voters:    quorum.NewJointConfig(cs.Voters, cs.VotersOutgoing),
		Learners:  quorum.NewMajorityConfig(cs.Learners...),
		AutoLeave: cs.AutoLeave,
	}
	var added []uint64
	r.trk.SetConfig(cfg, r.log.lastIndex()+1, func(id uint64, pr *tracker.Progress) {
		r.epochs++
		pr.Epoch = r.epochs
		added = append(added, id)
	})
	if r.state == StateLeader {
		if r.leadTransferee != None && !r.trk.Voters.Contains(r.leadTransferee) {
			r.abortTransfer() // it can no longer be elected
		}
		for _, id := range added {
			if id != r.id {
				r.sendAppend(id, true)
			}
		}
		return
	}
	if (r.state == StateCandidate || r.state == StatePreCandidate) && !r.promotable() {
		r.becomeFollower(r.term, None)
	}
}

// proposeConfChange appends a change to the leader's log (see the rules
// above) and returns its index and term.
func (r *raft) proposeConfChange(cc ConfChange) (index, term uint64, err error) {
	if r.state != StateLeader {
		return 0, 0, &NotLeaderError{Leader: r.lead}
	}
	if r.leadTransferee != None {
		return 0, 0, ErrTransferInProgress
	}
	if !r.committedInTerm() {
		return 0, 0, ErrConfChangeTooEarly
	}
	if last := r.lastConfigIndex(); last > r.log.committed {
		return 0, 0, fmt.Errorf("%w: the change at index %d is not committed (commit %d)", ErrConfChangePending, last, r.log.committed)
	}
	if _, err := r.config().Apply(cc); err != nil {
		return 0, 0, err
	}
	index = r.appendEntry(Entry{Type: EntryConfChange, Data: cc.Encode()})
	r.bcastAppend()
	return index, r.term, nil
}

// configCommitted is the leader's part once its commit index reaches the
// latest change: leave a joint configuration that says so, and step down
// from leading a configuration it does not vote in.
func (r *raft) configCommitted() {
	if r.state != StateLeader || r.lastConfigIndex() > r.log.committed {
		return
	}
	cs := r.config()
	switch {
	case cs.Joint() && cs.AutoLeave:
		r.appendEntry(Entry{Type: EntryConfChange, Data: ConfChange{}.Encode()})
		r.bcastAppend()
	case !cs.Joint() && !cs.IsVoter(r.id):
		r.becomeFollower(r.term, None)
	}
}
