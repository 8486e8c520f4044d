package nemesis

import (
	"errors"
	"slices"
	"strings"
	"time"
)

// Target is what the nemesis breaks: a system of named nodes, seen from
// outside. The nemesis knows nothing else of it. The simulated cluster is
// one Target (harness/simtarget adapts it); another Raft in the same
// simulator, or real processes, can be others.
//
// Every method that changes the target returns an error. An error that
// wraps ErrUnsupported says the target cannot do that at all (clock rates
// on a target without clocks); the schedule then skips the kind for the
// rest of the run and records that it did. Any other error means this one
// attempt did nothing. A target's support of an operation does not vary
// from node to node.
type Target interface {
	// Nodes are the names of the nodes (never clients), in the target's
	// own fixed order. Faults draw nodes by their place in this order, so
	// the same seed picks the same nodes on every machine.
	Nodes() []string
	// Leader is the running node that believes it leads the highest term,
	// if the target knows one.
	Leader() (node string, ok bool)
	// State is where a node is in its lifecycle.
	State(node string) NodeState

	// Now is the target's time, and After runs f once d from now: faults
	// with later steps (a strobe's next jump) and the schedule itself run
	// on it.
	Now() time.Duration
	After(d time.Duration, f func())
	// Note writes one human line into the target's trace, if it keeps one.
	Note(format string, args ...any)
	// Random is the nemesis's own random stream. Every choice a fault
	// makes is drawn from it, so a seed repeats its faults exactly.
	Random() Rand
	// Status is what a node shows of its Raft state, for the directed
	// scenarios that wait for a moment (scenario.go). A black-box target
	// returns ErrUnsupported, and those scenarios are skipped.
	Status(node string) (NodeStatus, error)

	Links
	Lifecycle
	Clocks
	Packets
	Disks
	Members
}

// Links are the target's one-way links between nodes. A cut link loses
// every message sent on it until it is connected again; links to clients
// are never touched.
type Links interface {
	Cut(from, to string) error
	Connect(from, to string) error
}

// Lifecycle crashes, restarts, pauses and resumes nodes. A crash loses the
// node's volatile state and whatever it had not made durable; a restart
// recovers from what is durable. A paused node keeps its state and handles
// nothing until it is resumed. Each is a no-op on a node already in the
// state asked for.
type Lifecycle interface {
	Crash(node string) error
	Restart(node string) error
	Pause(node string) error
	Resume(node string) error
}

// Clocks are the nodes' local clocks: an offset from true time and a rate,
// in parts per million fast (positive) or slow (negative).
type Clocks interface {
	Clock(node string) (offset time.Duration, rate PPM, err error)
	JumpClock(node string, delta time.Duration) error
	SetClockRate(node string, rate PPM) error
}

// Packets set the packet faults on every link (see LinkFaults).
type Packets interface {
	SetLinkFaults(f LinkFaults) error
}

// Disks set the faults of every node's disk (see DiskFaults), damage one
// disk, and replace one.
type Disks interface {
	SetDiskFaults(f DiskFaults) error
	// SlowDisk makes one node's fsyncs take lat from now on, the other
	// disks unchanged (a zero lat: its disk's own latency again).
	SlowDisk(node string, lat Latency) error
	// CorruptDisk damages the disk of a node that is down, at a spot
	// drawn from pick where the system's checksums must notice (never a
	// torn-looking tail); it says where. A node started on it must refuse
	// to run.
	CorruptDisk(node string, pick uint64) (where string, err error)
	// WipeDisk replaces the disk of a node that is down by an empty one,
	// as an operator replaces a failed disk. The node must rejoin as a
	// new member: only ever do it to a node out of the configuration.
	WipeDisk(node string) error
	// ReplacesDisks says a node whose disk was lost may rejoin under its
	// old identity; a system that forbids it (etcd gives a replaced
	// member a new ID) takes none of the disk-loss faults.
	ReplacesDisks() bool
}

// Members are the target's configuration: which nodes vote and which
// only learn. A node that is neither is a spare, running outside the
// cluster until a change adds it (or removed, and not told so).
type Members interface {
	// Configuration is the configuration the leader has in force.
	Configuration() (Configuration, error)
	// ChangeMembership asks the leader to change the configuration. An
	// error says the change was not taken: no leader, a change still
	// pending or none of the leader's term committed yet, or a change
	// the configuration does not allow.
	ChangeMembership(c MembershipChange) error
	// TransferLeadership asks the leader to hand its office to node. An
	// error says it refused: no leader, or a node that is not a voter.
	TransferLeadership(node string) error
}

// Configuration is a cluster configuration, by node name in the target's
// order. While a joint change is in progress Outgoing are the voters being
// left, and a decision needs a majority of both.
type Configuration struct {
	Voters, Outgoing, Learners []string
	// Committed says the change that made it has committed.
	Committed bool
}

// IsVoter reports whether node votes, in either half.
func (c Configuration) IsVoter(node string) bool {
	return slices.Contains(c.Voters, node) || slices.Contains(c.Outgoing, node)
}

// IsMember reports whether node votes or learns.
func (c Configuration) IsMember(node string) bool {
	return c.IsVoter(node) || slices.Contains(c.Learners, node)
}

// String renders it, e.g. "voters (n1 n2 n4) learners (n5)", with
// "&& (n1 n2 n3)" for the outgoing half and "(pending)" until committed.
func (c Configuration) String() string {
	s := "voters (" + strings.Join(c.Voters, " ") + ")"
	if len(c.Outgoing) > 0 {
		s += " && (" + strings.Join(c.Outgoing, " ") + ")"
	}
	if len(c.Learners) > 0 {
		s += " learners (" + strings.Join(c.Learners, " ") + ")"
	}
	if !c.Committed {
		s += " (pending)"
	}
	return s
}

// MembershipChange is one change of configuration. Several changes of
// voters at once go through a joint configuration, which the target
// leaves by itself once it commits; Joint asks for one even for a single
// voter. Adding a learner's name to AddVoters promotes it.
type MembershipChange struct {
	AddVoters   []string `json:"add_voters,omitempty"`
	AddLearners []string `json:"add_learners,omitempty"`
	Remove      []string `json:"remove,omitempty"`
	Joint       bool     `json:"joint,omitempty"`
}

// String renders the change, e.g. "add voter n4, remove n2 (joint)".
func (m MembershipChange) String() string {
	var parts []string
	for _, n := range m.AddVoters {
		parts = append(parts, "add voter "+n)
	}
	for _, n := range m.AddLearners {
		parts = append(parts, "add learner "+n)
	}
	for _, n := range m.Remove {
		parts = append(parts, "remove "+n)
	}
	s := strings.Join(parts, ", ")
	if m.Joint {
		s += " (joint)"
	}
	return s
}

// LinkFaults are what the network does to every message while packet
// faults are in force. A zero field leaves that behaviour as the target
// had it before any fault: the zero LinkFaults heals them all.
type LinkFaults struct {
	Loss      float64 // probability a message is dropped
	Duplicate float64 // probability a message is delivered twice
	Reorder   float64 // probability a message may overtake earlier ones
	Delay     Latency // the latency of every message
}

// DiskFaults are how every disk behaves while disk faults are in force. A
// zero field leaves that behaviour as the target had it before any fault.
type DiskFaults struct {
	// FsyncLatency is how long an fsync takes.
	FsyncLatency Latency
	// Torn is the probability that a crash leaves a strict prefix of the
	// oldest write not yet made durable.
	Torn float64
}

// NodeStatus is a node's Raft state as its target shows it.
type NodeStatus struct {
	Role Role
	// Term is the node's current term, and Voted whether it has voted in
	// it (for itself or another).
	Term  uint64
	Voted bool
	// Commit is the highest index it knows committed; LastIndex the last
	// index in its log, durable or not; Snapshot the last index its log
	// was compacted to, by a snapshot it took or installed (0: none, or a
	// target that does not show it).
	Commit, LastIndex, Snapshot uint64
	// ElectionTimeout is its base election timeout, on its own clock.
	ElectionTimeout time.Duration
	// HandedOver says a leader has told a voter to take its office over
	// (a leadership transfer) in its term.
	HandedOver bool
}

// Role is a node's Raft role.
type Role uint8

// The roles; a pre-candidate counts as a candidate.
const (
	Follower Role = iota
	Candidate
	Leader
)

// NodeState is where a node is in its lifecycle.
type NodeState uint8

// The states of a node.
const (
	NodeUp NodeState = iota
	NodePaused
	NodeDown
)

// Rand is a deterministic random stream.
type Rand interface {
	// Below draws uniformly from [0, n); n is positive.
	Below(n uint64) uint64
	// Between draws uniformly from [lo, hi]; lo when hi <= lo.
	Between(lo, hi int64) int64
	// Perm is a random permutation of 0..n-1.
	Perm(n int) []int
}

// PPM is a clock rate in parts per million: +1000 runs 0.1% fast.
type PPM int64

// MaxDriftPPM is the most a fault slows a clock: a clock slower still
// would stop, and its node's timers with it.
const MaxDriftPPM PPM = 999_000

// ErrUnsupported is wrapped by a target's error for an operation it cannot
// perform at all.
var ErrUnsupported = errors.New("not supported by the target")

// ErrNothingToBreak is a fault's answer when the target offers it nothing
// to break right now: no leader to isolate, every clock already taken by
// another clock fault, a zero intensity. The schedule draws again later.
var ErrNothingToBreak = errors.New("nothing to break")
