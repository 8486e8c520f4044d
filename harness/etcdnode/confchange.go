package etcdnode

import (
	"go.etcd.io/raft/v3/confchange"
	"go.etcd.io/raft/v3/tracker"

	"raftcheck/raft"
)

// ApplyConfChange is the configuration etcd makes of cs by applying cc,
// by etcd's own rules (its confchange package, as raft.applyConfChange
// calls it), for the invariant checker's model of each node's
// configuration. etcd's rules differ from the bundled Raft's: adding a
// voter that is one already changes nothing but is no error, and a change
// that asks for joint consensus enters it even when both halves come out
// the same.
func ApplyConfChange(cs raft.ConfState, cc raft.ConfChange) (raft.ConfState, error) {
	chg := confchange.Changer{Tracker: tracker.MakeProgressTracker(1, 0), LastIndex: 1}
	cfg, prs, err := confchange.Restore(chg, confStateTo(cs))
	if err != nil {
		return cs, err
	}
	chg.Tracker.Config, chg.Tracker.Progress = cfg, prs
	v2 := confChangeTo(cc)
	if v2.LeaveJoint() {
		cfg, prs, err = chg.LeaveJoint()
	} else if autoLeave, joint := v2.EnterJoint(); joint {
		cfg, prs, err = chg.EnterJoint(autoLeave, v2.Changes...)
	} else {
		cfg, prs, err = chg.Simple(v2.Changes...)
	}
	if err != nil {
		return cs, err
	}
	chg.Tracker.Config, chg.Tracker.Progress = cfg, prs
	return confStateFrom(chg.Tracker.ConfState()), nil
}
