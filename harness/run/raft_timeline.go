package run

import (
	"time"

	"raftcheck/harness"
	"raftcheck/harness/cluster"
)

// RaftSample is one node's Raft state at a moment: the report draws who led
// in which term and each node's commit index over time from these.
type RaftSample struct {
	At     int64  `json:"at"` // virtual ns
	Node   string `json:"node"`
	Life   string `json:"life"`  // up, paused or down
	State  string `json:"state"` // StateLeader, StateFollower, ... ("" while down)
	Term   uint64 `json:"term"`
	Commit uint64 `json:"commit"`
}

// raftTimeline samples every node every interval and keeps a sample only
// when something changed since the node's last one, so a quiet cluster
// costs little.
type raftTimeline struct {
	c       *cluster.Cluster
	every   time.Duration
	last    []RaftSample
	samples []RaftSample
}

func startRaftTimeline(c *cluster.Cluster, every time.Duration) *raftTimeline {
	t := &raftTimeline{c: c, every: every, last: make([]RaftSample, len(c.Peers.Addrs))}
	var tick func()
	tick = func() {
		t.sample()
		c.World.After(every, tick)
	}
	c.World.At(0, tick)
	return t
}

func (t *raftTimeline) sample() {
	w := t.c.World
	for i, id := range t.c.Peers.IDs() {
		a := t.c.Addr(id)
		s := RaftSample{At: int64(w.Now()), Node: w.Name(a), Life: w.State(a).String()}
		if n := t.c.Node(id); n != nil && w.State(a) != harness.NodeDown {
			st := n.Status()
			s.State, s.Term, s.Commit = st.State.String(), st.Term, st.Commit
		}
		prev := t.last[i]
		if prev.Node != "" && prev.Life == s.Life && prev.State == s.State && prev.Term == s.Term && prev.Commit == s.Commit {
			continue
		}
		t.last[i] = s
		t.samples = append(t.samples, s)
	}
}
