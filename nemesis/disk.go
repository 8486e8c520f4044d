package nemesis

import (
	"fmt"

	"raftcheck/harness"
)

// diskKinds slow the nodes' disks. A slow fsync keeps writes un-durable
// for longer, which widens the window in which a crash loses them and in
// which a node that answers before its fsync completes is caught.
var diskKinds = []Kind{
	{Name: "disk-slow", Group: "disk", Start: startDiskSlow},
}

// diskValue is the history value of a slow disk.
type diskValue struct {
	SyncLatency harness.Latency `json:"sync_latency"`
}

// startDiskSlow makes every node's fsync take SlowFsync; its heal puts back
// the cluster's starting fsync latency and leaves the rest of the disk
// configuration (torn writes) as it is.
func startDiskSlow(env *Env) (Action, func(), bool) {
	w := env.World()
	cfg := w.DiskConfig()
	cfg.SyncLatency = env.Params.SlowFsync
	// A zero or invalid latency injects nothing rather than stopping the
	// run.
	if cfg.SyncLatency == (harness.Latency{}) || w.SetDisk(cfg) != nil {
		return Action{}, nil, false
	}
	base := env.Cluster.Config().Disk.SyncLatency
	return Action{
			Description: fmt.Sprintf("fsync latency %v on every disk", cfg.SyncLatency),
			Value:       diskValue{SyncLatency: cfg.SyncLatency},
			Nodes:       nodeNames(w, nodeAddrs(env)),
		}, func() {
			cfg := w.DiskConfig()
			cfg.SyncLatency = base
			_ = w.SetDisk(cfg)
		}, true
}
