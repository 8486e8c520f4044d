package nemesis

import "fmt"

// diskKinds slow the nodes' disks. A slow fsync keeps writes un-durable
// for longer, which widens the window in which a crash loses them and in
// which a node that answers before its fsync completes is caught.
var diskKinds = []Kind{
	{Name: "disk-slow", Group: "disk", Start: startDiskSlow},
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
