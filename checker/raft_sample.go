package checker

// RaftSample is one node's Raft state at a moment of a run, as a run's
// raft.jsonl holds it beside its history: the report draws from these who
// led in which term and each node's commit index over time. Samples are
// taken at intervals and kept when something changed, so a sample holds
// from its At until the node's next one.
type RaftSample struct {
	At     int64  `json:"at"` // virtual ns
	Node   string `json:"node"`
	Life   string `json:"life"`  // up, paused or down
	State  string `json:"state"` // StateLeader, StateFollower, ... ("" while down)
	Term   uint64 `json:"term"`
	Commit uint64 `json:"commit"`
	// Snapshot is the last index the node's log was compacted to, by a
	// snapshot it took or installed (0: none).
	Snapshot uint64 `json:"snapshot,omitempty"`
	// Conf is the configuration the node has in force, as Raft renders
	// it ("voters=(1 2 3) learners=(4)"; "" while down); Installs counts
	// the snapshots it installed from a leader in this incarnation.
	Conf     string `json:"conf,omitempty"`
	Installs int    `json:"installs,omitempty"`
}
