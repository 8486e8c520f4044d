package nemesis

import "fmt"

// diskKinds slow the nodes' disks. A slow fsync keeps writes un-durable
// for longer, which widens the window in which a crash loses them and in
// which a node that answers before its fsync completes is caught.
var diskKinds = []Kind{
	{Name: "disk-slow", Group: "disk", Start: startDiskSlow},
	{Name: "disk-slow-one", Group: "disk", Start: startDiskSlowOne},
}

// diskValue is the history value of a slow disk.
type diskValue struct {
	SyncLatency Latency `json:"sync_latency"`
}

// startDiskSlow makes every node's fsync take SlowFsync; its heal puts back
// the target's own fsync latency and leaves the rest of the disk faults
// (torn writes) as they are.
func startDiskSlow(env *Env) (Action, func(), error) {
	faults := env.disk
	faults.FsyncLatency = env.Params.SlowFsync
	if faults.FsyncLatency.IsZero() {
		return Action{}, nil, ErrNothingToBreak
	}
	// A latency the target cannot draw from injects nothing rather than
	// stopping the run.
	if err := env.Target.SetDiskFaults(faults); err != nil {
		return Action{}, nil, err
	}
	env.disk = faults
	return Action{
			Description: fmt.Sprintf("fsync latency %v on every disk", faults.FsyncLatency),
			Value:       diskValue{SyncLatency: faults.FsyncLatency},
			Nodes:       nodeNames(env, allNodes(env)),
		}, func() {
			env.disk.FsyncLatency = Latency{}
			// Clearing a fault the target took cannot fail.
			_ = env.Target.SetDiskFaults(env.disk)
		}, nil
}

// startDiskSlowOne makes one running node's fsync take SlowFsync, the
// others' disks unchanged: the slow disk among healthy ones that real
// clusters have, where every other node runs on ahead of it (a leader
// that sends before its own write is durable, a follower whose write is
// still in flight when another leader overwrites what it is writing).
func startDiskSlowOne(env *Env) (Action, func(), error) {
	lat := env.Params.SlowFsync
	up := nodesIn(env, NodeUp)
	if lat.IsZero() || len(up) == 0 {
		return Action{}, nil, ErrNothingToBreak
	}
	n := pickNodes(env, up, 1)[0]
	name := env.name(n)
	if err := env.Target.SlowDisk(name, lat); err != nil {
		return Action{}, nil, err
	}
	return Action{
			Description: fmt.Sprintf("fsync latency %v on %s's disk", lat, name),
			Value:       diskValue{SyncLatency: lat},
			Nodes:       []string{name},
		}, func() {
			// Restoring a disk the target slowed cannot fail.
			_ = env.Target.SlowDisk(name, Latency{})
		}, nil
}
