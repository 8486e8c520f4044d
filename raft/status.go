package raft

import "fmt"

// Status is a snapshot of a node's state for observers (the harness's
// invariant checker, traces, tests). It is a copy; changing it changes
// nothing.
type Status struct {
	ID    uint64
	Term  uint64
	Vote  uint64
	Lead  uint64 // the leader of Term as far as this node knows, or None
	State StateType

	Commit    uint64 // highest index known committed
	Applied   uint64 // highest index the caller confirmed applied
	Snapshot  uint64 // the last index the log compacted away (0: none)
	LastIndex uint64 // last index in the log, durable or not
	Persisted uint64 // last index the caller confirmed durable

	// LeadTransferee is the voter a leader is handing its office to
	// (None: no transfer in flight); HandedOver says it has told one to
	// campaign in its term, so another leader may be elected at any
	// moment: no lease is sound after it.
	LeadTransferee uint64
	HandedOver     bool
	// Joining says the node rejoins after losing its state and has not
	// caught up with a leader yet (Config.Joining).
	Joining bool
}

// String renders the status compactly, e.g.
// "1 StateLeader t3 vote=1 lead=1 commit=7 applied=7 last=8 persisted=8",
// followed by " snapshot=5" once the log is compacted.
func (s Status) String() string {
	str := fmt.Sprintf("%d %s t%d vote=%d lead=%d commit=%d applied=%d last=%d persisted=%d",
		s.ID, s.State, s.Term, s.Vote, s.Lead, s.Commit, s.Applied, s.LastIndex, s.Persisted)
	if s.Snapshot != 0 {
		str += fmt.Sprintf(" snapshot=%d", s.Snapshot)
	}
	return str
}
