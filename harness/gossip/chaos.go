package gossip

import (
	"fmt"
	"io"
	"time"

	"raftcheck/harness"
)

// ChaosConfig sizes a chaos run.
type ChaosConfig struct {
	Seed     uint64
	Nodes    int
	Duration time.Duration
	Trace    bool
	// TraceTo, with Trace, receives the trace's text as the run goes.
	TraceTo io.Writer
}

// Chaos runs gossiping nodes in a world whose every fault is on: lossy,
// duplicating, reordering links with long-tailed latency, torn writes, and a
// fault schedule drawn from the "nemesis" stream that crashes, restarts,
// pauses and resumes nodes, cuts one-way links and heals them, and jumps and
// drifts clocks. It returns the world after the run, for its trace and
// counters, and the nodes' live incarnations.
func Chaos(cfg ChaosConfig) (*harness.World, error) {
	if cfg.Nodes < 2 {
		return nil, fmt.Errorf("gossip: chaos needs at least 2 nodes, got %d", cfg.Nodes)
	}
	w, err := harness.New(harness.Config{
		Seed: cfg.Seed,
		Network: harness.NetworkConfig{
			Latency:   harness.Exponential(100*time.Microsecond, time.Millisecond, 50*time.Millisecond),
			Drop:      harness.Prob(0.05),
			Duplicate: harness.Prob(0.05),
			Reorder:   harness.Prob(0.1),
		},
		Disk:    harness.DiskConfig{SyncLatency: harness.Uniform(100*time.Microsecond, 2*time.Millisecond), Torn: harness.Prob(0.5)},
		Trace:   cfg.Trace,
		TraceTo: cfg.TraceTo,
	})
	if err != nil {
		return nil, err
	}
	addrs := make([]harness.Addr, cfg.Nodes)
	for i := range addrs {
		addrs[i] = harness.Addr(i) // AddNode assigns addresses in order
	}
	for i := range addrs {
		var peers []harness.Addr
		for _, p := range addrs {
			if p != addrs[i] {
				peers = append(peers, p)
			}
		}
		if _, err := w.AddNode(fmt.Sprintf("n%d", i+1), func() harness.Node {
			return &Node{Peers: peers, Interval: 5 * time.Millisecond}
		}); err != nil {
			return nil, err
		}
	}
	scheduleFaults(w, addrs, cfg.Duration)
	err = w.Run(cfg.Duration)
	return w, err
}

// scheduleFaults draws a fault every few milliseconds of virtual time until
// the end of the run. Each fault is applied at its time by a scheduled call,
// so the schedule interleaves with the nodes' own events deterministically.
func scheduleFaults(w *harness.World, nodes []harness.Addr, until time.Duration) {
	r := w.Seeds().Stream("nemesis")
	var next func()
	next = func() {
		a := nodes[r.Below(uint64(len(nodes)))]
		b := nodes[r.Below(uint64(len(nodes)))]
		switch r.Below(9) {
		case 0:
			_ = w.Crash(a)
		case 1, 2:
			_ = w.Restart(a)
		case 3:
			_ = w.Pause(a)
		case 4:
			_ = w.Resume(a)
		case 5:
			if a != b {
				w.Cut(a, b)
			}
		case 6:
			w.HealNetwork()
		case 7:
			_ = w.JumpClock(a, time.Duration(r.Between(-int64(50*time.Millisecond), int64(50*time.Millisecond))))
		case 8:
			_ = w.SetClockRate(a, harness.PPM(r.Between(-200_000, 200_000)))
		}
		at := w.Now() + time.Duration(r.Between(int64(time.Millisecond), int64(20*time.Millisecond)))
		if at < until {
			w.At(at, next)
		}
	}
	w.At(time.Millisecond, next)
}
