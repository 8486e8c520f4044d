package run

import (
	"time"

	"raftcheck/checker"
	"raftcheck/harness"
	"raftcheck/harness/cluster"
	"raftcheck/raft"
)

// raftTimeline samples every node every interval and keeps a sample only
// when something changed since the node's last one, so a quiet cluster
// costs little. A cluster under load commits between any two samples, so
// after the first progressDetail of simulated time a sample whose only
// news is progress (the commit and snapshot indexes) is kept once every
// progressEvery: a day's run keeps every change of role, term, life and
// configuration, and its progress at a second's resolution, in tens of MB
// instead of a GB (issue 16).
type raftTimeline struct {
	c     *cluster.Cluster
	every time.Duration
	// confs are each node's configuration and its rendering at the last
	// sample: most samples see the same one, rendered once.
	confs   []renderedConf
	last    []checker.RaftSample
	samples []checker.RaftSample
	// quorum is the CheckQuorum oracle, which looks at each sample.
	quorum *quorumWatch
	// final is set for the sample at the end of the run, which keeps
	// whatever changed.
	final bool
}

func startRaftTimeline(c *cluster.Cluster, every time.Duration, quorum *quorumWatch) *raftTimeline {
	t := &raftTimeline{c: c, every: every, last: make([]checker.RaftSample, len(c.Peers.Addrs)), confs: make([]renderedConf, len(c.Peers.Addrs)), quorum: quorum}
	var tick func()
	tick = func() {
		t.sample()
		c.World.After(every, tick)
	}
	c.World.At(0, tick)
	return t
}

// After progressDetail, a sample of progress only is kept once every
// progressEvery per node.
const (
	progressDetail = 10 * time.Minute
	progressEvery  = time.Second
)

// finish takes the run's last sample.
func (t *raftTimeline) finish() {
	t.final = true
	t.sample()
}

func (t *raftTimeline) sample() {
	w := t.c.World
	if t.quorum != nil {
		t.quorum.sample()
	}
	for i, id := range t.c.Peers.IDs() {
		a := t.c.Addr(id)
		s := checker.RaftSample{At: int64(w.Now()), Node: w.Name(a), Life: w.State(a).String()}
		if n := t.c.Node(id); n != nil && w.State(a) != harness.NodeDown {
			st := n.Status()
			s.State, s.Term, s.Commit, s.Snapshot = st.State.String(), st.Term, st.Commit, st.Snapshot
			s.Installs = n.Installs()
			s.Conf = t.confString(i, n.ConfState())
		}
		prev := t.last[i]
		same := prev.Node != "" && prev.Life == s.Life && prev.State == s.State && prev.Term == s.Term && prev.Conf == s.Conf && prev.Installs == s.Installs
		if same && prev.Commit == s.Commit && prev.Snapshot == s.Snapshot {
			continue
		}
		if same && !t.final && w.Now() > progressDetail && s.At-prev.At < int64(progressEvery) {
			continue // progress only, and soon after the last sample kept
		}
		t.last[i] = s
		t.samples = append(t.samples, s)
	}
}

type renderedConf struct {
	conf raft.ConfState
	text string
}

// confString renders node i's configuration, reusing the last rendering
// while it is unchanged.
func (t *raftTimeline) confString(i int, cs raft.ConfState) string {
	if rc := &t.confs[i]; rc.text == "" || !rc.conf.Equal(cs) {
		rc.conf, rc.text = cs, cs.String()
	}
	return t.confs[i].text
}
