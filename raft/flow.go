package raft

import (
	"errors"
	"fmt"
)

// Flow control: three bounds, in bytes of entry payload (Entry.Data), that
// keep a node's memory and its messages within limits however far a
// follower lags or however fast clients propose (0: no bound):
//
//   - MaxUncommittedBytes: a leader refuses a proposal while the entries
//     it appended in its term and has not yet committed would exceed it
//     (ErrProposalsBacklogged), rather than queue without limit behind a
//     slow or lost quorum; a proposal alone over the bound is accepted
//     when nothing is uncommitted, or it could never be;
//   - MaxMsgBytes: a MsgApp carries entries up to it, and at least one;
//   - MaxCommittedBytesPerReady: a Ready's CommittedEntries stop at it,
//     and hold at least one.
//
// (etcd-io/raft's MaxUncommittedEntriesSize, MaxSizePerMsg and
// MaxCommittedSizePerReady.)

// ErrProposalsBacklogged is returned by Propose while the leader's
// uncommitted entries are at their bound (Config.MaxUncommittedBytes).
var ErrProposalsBacklogged = errors.New("raft: too many uncommitted bytes at the leader")

// payload is an entry's size for flow control.
func payload(e Entry) uint64 { return uint64(len(e.Data)) }

// limitBytes is the longest prefix of ents whose payloads total at most
// max, never fewer than one entry; max 0 is no bound.
func limitBytes(ents []Entry, max uint64) []Entry {
	if max == 0 || len(ents) <= 1 {
		return ents
	}
	total := payload(ents[0])
	for i := 1; i < len(ents); i++ {
		total += payload(ents[i])
		if total > max {
			return ents[:i]
		}
	}
	return ents
}

// admit takes a proposal of size bytes into the leader's uncommitted
// budget, or refuses it.
func (r *raft) admit(size uint64) error {
	if r.maxUncommitted > 0 && r.uncommitted > 0 && r.uncommitted+size > r.maxUncommitted {
		return fmt.Errorf("%w: %d bytes uncommitted, %d more would pass the bound of %d", ErrProposalsBacklogged, r.uncommitted, size, r.maxUncommitted)
	}
	r.uncommitted += size
	return nil
}

// committedBytes gives back the budget of the entries the commit index
// just passed (from index from on): the proposals of this leader's term.
// Entries of earlier terms, the no-op and changes of configuration were
// never counted.
func (r *raft) committedBytes(from, to uint64) {
	if r.maxUncommitted == 0 {
		return
	}
	for _, e := range r.log.slice(from, to+1) {
		if e.Term == r.term && e.Type == EntryNormal {
			r.uncommitted -= min(r.uncommitted, payload(e))
		}
	}
}
