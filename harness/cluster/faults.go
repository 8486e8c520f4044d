package cluster

import (
	"time"

	"raftcheck/harness"
)

// FaultSchedule injects a random fault every MinGap–MaxGap of virtual time,
// drawn from the run's "nemesis" stream: crashes and restarts (with torn
// writes when the disk is configured for them), pauses and resumes, random
// partitions, isolated nodes, one-way cuts, heals, packet loss, duplication,
// reordering and delay, and clock jumps and drift. It is the simple schedule
// the seed sweeps use; the nemesis package holds the full catalogue.
type FaultSchedule struct {
	MinGap, MaxGap time.Duration
	// ClockJumps allows jumps of up to a second either way.
	ClockJumps bool
	// MaxRate bounds the drift a clock is given, in ppm either way; two
	// clocks can then drift 2*MaxRate apart.
	MaxRate harness.PPM
}

// DefaultFaults injects a fault every 50–400ms, with clock jumps and up to
// 5% of drift.
func DefaultFaults() FaultSchedule {
	return FaultSchedule{MinGap: 50 * time.Millisecond, MaxGap: 400 * time.Millisecond, ClockJumps: true, MaxRate: 50_000}
}

// ScheduleFaults injects faults from now until the given virtual time.
func (c *Cluster) ScheduleFaults(s FaultSchedule, until time.Duration) {
	r := c.World.Seeds().Stream("nemesis")
	ids := c.Peers.IDs()
	var next func()
	next = func() {
		if c.World.Now() >= until {
			return
		}
		c.injectFault(s, r, ids)
		c.World.After(time.Duration(r.Between(int64(s.MinGap), int64(s.MaxGap))), next)
	}
	c.World.After(time.Duration(r.Between(int64(s.MinGap), int64(s.MaxGap))), next)
}

func (c *Cluster) injectFault(s FaultSchedule, r *harness.Stream, ids []uint64) {
	w := c.World
	pick := func() harness.Addr { return c.Addr(ids[r.Below(uint64(len(ids)))]) }
	switch r.Below(14) {
	case 0, 1:
		_ = w.Crash(pick())
	case 2, 3:
		_ = w.Restart(pick())
	case 4:
		_ = w.Pause(pick())
	case 5:
		_ = w.Resume(pick())
	case 6:
		// Random halves: each node joins one side or the other.
		var a, b []harness.Addr
		for _, id := range ids {
			if r.Below(2) == 0 {
				a = append(a, c.Addr(id))
			} else {
				b = append(b, c.Addr(id))
			}
		}
		w.Partition(a, b)
	case 7:
		isolated := pick()
		var rest []harness.Addr
		for _, id := range ids {
			if c.Addr(id) != isolated {
				rest = append(rest, c.Addr(id))
			}
		}
		w.Partition([]harness.Addr{isolated}, rest)
	case 8:
		if from, to := pick(), pick(); from != to {
			w.Cut(from, to)
		}
	case 9:
		w.HealNetwork()
	case 10:
		cfg := c.cfg.Network
		if r.Below(3) != 0 { // two times in three, a lossy network; else back to quiet
			cfg.Drop = harness.Prob(float64(r.Below(300)) / 1000)
			cfg.Duplicate = harness.Prob(float64(r.Below(200)) / 1000)
			cfg.Reorder = harness.Prob(float64(r.Below(300)) / 1000)
			cfg.Latency = harness.Exponential(time.Millisecond, time.Duration(1+r.Below(20))*time.Millisecond, time.Second)
		}
		_ = w.SetNetwork(cfg)
	case 12, 13:
		// A power failure: every node, or a majority, crashes at once, which
		// is what exposes an acknowledgement sent before its write was
		// durable; they come back after a short outage.
		crashed := ids
		if r.Below(2) == 0 {
			crashed = nil
			for _, i := range r.Rand().Perm(len(ids))[:len(ids)/2+1] {
				crashed = append(crashed, ids[i])
			}
		}
		for _, id := range crashed {
			_ = w.Crash(c.Addr(id))
		}
		w.After(time.Duration(r.Between(int64(10*time.Millisecond), int64(500*time.Millisecond))), func() {
			for _, id := range crashed {
				_ = w.Restart(c.Addr(id))
			}
		})
	case 11:
		a := pick()
		if r.Below(2) == 0 && s.ClockJumps {
			_ = w.JumpClock(a, time.Duration(r.Between(-int64(time.Second), int64(time.Second))))
		} else {
			_ = w.SetClockRate(a, harness.PPM(r.Between(-int64(s.MaxRate), int64(s.MaxRate))))
		}
	}
}

// Heal ends every fault: the network is reconnected and quiet again,
// crashed nodes restart, paused nodes resume, and clocks run at their true
// rate.
func (c *Cluster) Heal() {
	w := c.World
	w.HealNetwork()
	_ = w.SetNetwork(c.cfg.Network)
	for _, id := range c.Peers.IDs() {
		a := c.Addr(id)
		_ = w.Restart(a)
		_ = w.Resume(a)
		_ = w.SetClockRate(a, 0)
	}
}
