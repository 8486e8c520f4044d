package quorum

// VoteResult is the state of an election as seen by the candidate counting.
type VoteResult uint8

const (
	// VotePending: neither a majority of grants nor a majority of
	// rejections yet; outstanding voters could still decide it.
	VotePending VoteResult = iota + 1
	// VoteLost: enough voters rejected that a majority of grants is no
	// longer possible.
	VoteLost
	// VoteWon: a majority granted.
	VoteWon
)

// String returns the result's name.
func (v VoteResult) String() string {
	switch v {
	case VotePending:
		return "VotePending"
	case VoteLost:
		return "VoteLost"
	case VoteWon:
		return "VoteWon"
	default:
		return "VoteResult(?)"
	}
}

// VoteResult decides an election from the votes received so far: votes maps
// a voter to true (granted) or false (rejected); voters absent from the map
// have not answered. Votes from IDs outside the configuration are ignored.
//
// An empty configuration wins trivially, mirroring CommittedIndex.
func (c MajorityConfig) VoteResult(votes map[uint64]bool) VoteResult {
	if len(c) == 0 {
		return VoteWon
	}
	// Counting does not depend on map order.
	granted, missing := 0, 0
	for id := range c {
		v, ok := votes[id]
		switch {
		case !ok:
			missing++
		case v:
			granted++
		}
	}
	q := c.Quorum()
	if granted >= q {
		return VoteWon
	}
	if granted+missing >= q {
		return VotePending
	}
	return VoteLost
}
