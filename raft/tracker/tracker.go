package tracker

import (
	"slices"

	"raftcheck/raft/quorum"
)

// Config is a cluster configuration: who votes (both halves while a joint
// change is in progress), who only learns (receives the log, never votes,
// never counts towards a quorum), and whether a joint configuration is to
// be left by the leader on its own once it commits (thesis §4.3).
type Config struct {
	Voters    quorum.JointConfig
	Learners  quorum.MajorityConfig // a set: learners are never counted
	AutoLeave bool
}

// IsLearner reports whether id only learns.
func (c Config) IsLearner(id uint64) bool { return c.Learners.Contains(id) }

// String renders the configuration, e.g. "voters=(1 2 3) learners=(4)".
func (c Config) String() string {
	s := "voters=" + c.Voters.String()
	if len(c.Learners) > 0 {
		s += " learners=" + c.Learners.String()
	}
	if c.AutoLeave {
		s += " autoleave"
	}
	return s
}

// ProgressTracker holds the configuration, the leader's per-peer Progress
// (one for every voter and learner, this node included), and the votes of
// the current election.
type ProgressTracker struct {
	Config
	Progress map[uint64]*Progress
	// Votes maps a voter to whether it granted this node's current
	// (pre-)candidacy; absent means no answer yet.
	Votes       map[uint64]bool
	MaxInflight int

	// ids are every member, voters and learners, in increasing order, and
	// voterIDs the voters of both halves: every broadcast walks one of
	// them, so they are computed once per configuration.
	ids, voterIDs []uint64
}

// NewProgressTracker tracks the given voters, each with a fresh Progress
// whose Next is 1.
func NewProgressTracker(voters []uint64, maxInflight int) *ProgressTracker {
	t := &ProgressTracker{
		Progress:    map[uint64]*Progress{},
		Votes:       map[uint64]bool{},
		MaxInflight: maxInflight,
	}
	t.SetConfig(Config{Voters: quorum.NewJointConfig(voters, nil), Learners: quorum.MajorityConfig{}}, 1, nil)
	return t
}

// SetConfig makes cfg the configuration. Members that stay keep their
// Progress; new ones get a fresh one whose Next is next, passed to added
// (for the caller to give it whatever it must); those that left lose
// theirs, and their votes no longer count.
func (t *ProgressTracker) SetConfig(cfg Config, next uint64, added func(id uint64, pr *Progress)) {
	if cfg.Learners == nil {
		cfg.Learners = quorum.MajorityConfig{}
	}
	t.Config = cfg
	t.voterIDs = cfg.Voters.IDs()
	t.ids = slices.Clone(t.voterIDs)
	for id := range cfg.Learners {
		t.ids = append(t.ids, id)
	}
	slices.Sort(t.ids)
	t.ids = slices.Compact(t.ids)
	for id := range t.Progress {
		if !slices.Contains(t.ids, id) {
			delete(t.Progress, id)
		}
	}
	for _, id := range t.ids {
		if _, ok := t.Progress[id]; !ok {
			pr := NewProgress(next, t.MaxInflight)
			t.Progress[id] = pr
			if added != nil {
				added(id, pr)
			}
		}
	}
}

// IDs returns every member, voters and learners, in increasing order. The
// slice is shared: do not modify it.
func (t *ProgressTracker) IDs() []uint64 {
	return t.ids
}

// VoterIDs returns the voters of both halves in increasing order. The
// slice is shared: do not modify it.
func (t *ProgressTracker) VoterIDs() []uint64 {
	return t.voterIDs
}

// Visit calls f for every member in increasing ID order.
func (t *ProgressTracker) Visit(f func(id uint64, pr *Progress)) {
	for _, id := range t.IDs() {
		f(id, t.Progress[id])
	}
}

// AckedIndex implements quorum.AckedIndexer with the peers' Match.
func (t *ProgressTracker) AckedIndex(id uint64) (uint64, bool) {
	pr, ok := t.Progress[id]
	if !ok {
		return 0, false
	}
	return pr.Match, true
}

// Committed is the largest index held by a majority of the voters (of
// both halves while joint). It is only a candidate for commitment: the
// leader must still check the entry's term.
func (t *ProgressTracker) Committed() uint64 {
	return t.Voters.CommittedIndex(t)
}

// QuorumActive reports whether a majority of the voters (of both halves)
// has been heard from, by each peer's RecentActive flag. The leader marks
// itself active.
func (t *ProgressTracker) QuorumActive() bool {
	active := make(map[uint64]bool, len(t.voterIDs))
	for _, id := range t.voterIDs {
		active[id] = t.Progress[id].RecentActive
	}
	return t.Voters.VoteResult(active) == quorum.VoteWon
}

// ResetVotes forgets the votes of the previous election.
func (t *ProgressTracker) ResetVotes() {
	clear(t.Votes)
}

// RecordVote records id's answer. Only the first answer of a voter counts:
// a duplicated or reordered response must not flip a vote.
func (t *ProgressTracker) RecordVote(id uint64, granted bool) {
	if _, ok := t.Votes[id]; !ok {
		t.Votes[id] = granted
	}
}

// TallyVotes counts the votes of the voters and decides the election.
func (t *ProgressTracker) TallyVotes() (granted, rejected int, result quorum.VoteResult) {
	for _, id := range t.VoterIDs() {
		v, voted := t.Votes[id]
		if !voted {
			continue
		}
		if v {
			granted++
		} else {
			rejected++
		}
	}
	return granted, rejected, t.Voters.VoteResult(t.Votes)
}
