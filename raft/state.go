package raft

// StateType is a node's role.
type StateType uint8

const (
	// StateFollower answers leaders and candidates (§5.1).
	StateFollower StateType = iota
	// StatePreCandidate is asking whether it could win an election
	// without changing anyone's term (thesis §9.6, PreVote).
	StatePreCandidate
	// StateCandidate has incremented its term, voted for itself and asks
	// for votes (§5.2).
	StateCandidate
	// StateLeader replicates its log and decides commitment (§5.3).
	StateLeader
)

// String returns the role's name.
func (s StateType) String() string {
	switch s {
	case StateFollower:
		return "StateFollower"
	case StatePreCandidate:
		return "StatePreCandidate"
	case StateCandidate:
		return "StateCandidate"
	case StateLeader:
		return "StateLeader"
	default:
		return "StateType(?)"
	}
}
