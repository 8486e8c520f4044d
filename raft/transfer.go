package raft

import (
	"errors"
	"fmt"
)

// Leadership transfer (thesis §3.10): the leader hands its office to a
// voter of its choosing, for maintenance or to move leadership nearer its
// clients, with no election timeout lost:
//
//  1. the leader stops accepting proposals, so that the target can catch
//     up with a log that no longer grows;
//  2. it brings the target's log up to its own, then sends it
//     MsgTimeoutNow;
//  3. the target campaigns at once, without a pre-vote, and its vote
//     requests say they come from a transfer, so that voters grant them
//     even within a leader's lease (a transfer is the leader giving its
//     lease up, not a partitioned node disrupting it); the target has the
//     most up-to-date log, so it wins unless something fails.
//
// If the target has not taken over within an election timeout the leader
// abandons the transfer and accepts proposals again. A transfer is only
// ever to a voter of the leader's configuration: a learner, or a node
// outside, cannot be elected. Once the leader has sent MsgTimeoutNow,
// another leader may be elected at any moment of its term: Status says so
// (HandedOver), and a host that serves reads from a lease must stop.

var (
	// ErrTransferInProgress is returned by Propose and ProposeConfChange
	// while the leader hands its office over.
	ErrTransferInProgress = errors.New("raft: leadership transfer in progress")
	// ErrTransferToNonVoter is returned by TransferLeadership for a
	// target that is not a voter of the leader's configuration.
	ErrTransferToNonVoter = errors.New("raft: leadership can only be transferred to a voter")
)

// transferContext marks, in a MsgVote's Context, an election a leader
// handed over.
const transferContext = 1

// transferLeadership starts handing the office to voter to.
func (r *raft) transferLeadership(to uint64) error {
	if r.state != StateLeader {
		return &NotLeaderError{Leader: r.lead}
	}
	if to == r.id {
		return nil // it leads already
	}
	if !r.trk.Voters.Contains(to) {
		return fmt.Errorf("%w: node %d is not a voter of %v", ErrTransferToNonVoter, to, r.config())
	}
	if r.leadTransferee == to {
		return nil // in flight already
	}
	r.leadTransferee, r.transferElapsed = to, 0
	if r.trk.Progress[to].Match == r.log.lastIndex() {
		r.sendTimeoutNow(to)
	} else {
		r.sendAppend(to, true)
	}
	return nil
}

// transferCaughtUp is called when the transferee's match moved: once its
// log is the leader's, it is told to campaign.
func (r *raft) transferCaughtUp(id uint64) {
	if id == r.leadTransferee && r.trk.Progress[id].Match == r.log.lastIndex() {
		r.sendTimeoutNow(id)
	}
}

func (r *raft) sendTimeoutNow(to uint64) {
	r.handedOver = true
	r.send(Message{Type: MsgTimeoutNow, To: to})
}

// tickTransfer abandons a transfer that has not completed within an
// election timeout (the leader's tick).
func (r *raft) tickTransfer() {
	if r.leadTransferee == None {
		return
	}
	r.transferElapsed++
	if r.transferElapsed >= r.electionTimeout {
		r.abortTransfer()
	}
}

// abortTransfer gives the transfer up: proposals are accepted again. A
// MsgTimeoutNow already sent still counts (handedOver stays).
func (r *raft) abortTransfer() {
	r.leadTransferee, r.transferElapsed = None, 0
}

// handleTimeoutNow is a follower told by its leader to campaign at once.
func (r *raft) handleTimeoutNow(m Message) {
	if m.From != r.lead || !r.promotable() {
		return
	}
	r.campaign(campaignTransfer)
}
