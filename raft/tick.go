package raft

import "raftcheck/raft/tracker"

// tickElection is the clock of followers and (pre-)candidates: when the
// randomized election timeout passes without hearing from a leader (or
// granting a vote), start an election (§5.2, Figure 2 "Followers").
// A candidate whose election did not resolve also times out and tries
// again with a fresh timeout.
func (r *raft) tickElection() {
	r.electionElapsed++
	if r.leaseElapsed < r.electionTimeout {
		r.leaseElapsed++
	}
	if r.promotable() && r.pastElectionTimeout() {
		r.electionElapsed = 0
		r.hup()
	}
}

// tickHeartbeat is the leader's clock: send heartbeats every
// heartbeatTimeout ticks to keep followers from timing out (§5.2), and,
// with CheckQuorum, step down after an election timeout in which a majority
// was not heard from.
//
// The check runs once per election timeout over RecentActive flags that
// are cleared after each check, so a leader cut off from a majority steps
// down after at least one and at most two election timeouts: the flags
// may still hold replies from just before the cut.
func (r *raft) tickHeartbeat() {
	r.heartbeatElapsed++
	r.electionElapsed++
	r.leaseElapsed = 0 // a leader hears from itself
	r.tickTransfer()

	if r.electionElapsed >= r.electionTimeout {
		r.electionElapsed = 0
		if r.checkQuorum {
			if !r.trk.QuorumActive() {
				r.becomeFollower(r.term, None)
				return
			}
			r.trk.Visit(func(id uint64, pr *tracker.Progress) {
				pr.RecentActive = id == r.id
			})
		}
	}

	if r.heartbeatElapsed >= r.heartbeatTimeout {
		r.heartbeatElapsed = 0
		r.bcastHeartbeat()
	}
}
