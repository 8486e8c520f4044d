package nemesis

import (
	"slices"
	"time"
)

// lateKinds are the kinds Swarm draws after every other choice, in the
// order they were added.
var lateKinds = []string{"scenario-deaf-rejoin", "scenario-snapshot-catch-up", "scenario-crash-in-snapshot"}

// lastKinds are drawn after everything else, each in one world of four:
// a world without them is the world its seed drew before they existed.
var lastKinds = []string{"disk-slow-one", "scenario-slow-follower-failover"}

// lateOdds are, per late kind, in how many worlds of four it is drawn.
// The snapshot scenarios are in one of four: in more, they crowd out the
// moments older bugs need (the zoo measured up-to-date-by-index at a median
// of 11.5 seeds and stale-term-ack at 15 with them in three of four, 4 and
// 6.5 with them in one).
var lateOdds = []uint64{3, 1, 1}

// World is a fault world drawn by swarm mode: which kinds of faults a run
// uses, how often and how hard, and how often a crash tears a write.
type World struct {
	Nemesis Config  `json:"nemesis"`
	Torn    float64 `json:"torn_writes"`
}

// Swarm draws a fault world from the seed alone, in the spirit of
// TigerBeetle's and FoundationDB's simulators: different seeds explore
// different worlds (one seed only packet loss and slow disks, another
// partitions and clock strobes, each at its own intensity), not just
// different timings of the same faults. It draws from r alone: given the
// seed's own "swarm" stream, it repeats exactly for a seed and shifts
// nothing else.
//
// Each known kind is in with probability one half (at least one always
// is); every intensity is drawn from a range wide enough to matter. The
// kinds added after the draw was first measured (lateKinds) are drawn
// last, after every intensity: a world without them is the world its seed
// drew before they existed, so the zoo's and the soaks' figures for it
// still hold.
func Swarm(r Rand) World {
	var kinds []string
	var early []string
	for _, k := range Kinds() {
		if kind, _ := Lookup(k); !slices.Contains(lateKinds, k) && !slices.Contains(lastKinds, k) && kind.Group != "membership" && kind.Group != "transfer" && !isDiskLoss(k) {
			early = append(early, k)
		}
	}
	for _, k := range early {
		if r.Below(2) == 0 {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 0 {
		kinds = []string{early[r.Below(uint64(len(early)))]}
	}
	ms := func(lo, hi int64) time.Duration { return time.Duration(r.Between(lo, hi)) * time.Millisecond }
	permille := func(lo, hi int64) float64 { return float64(r.Between(lo, hi)) / 1000 }
	delayMin := ms(1, 50)
	fsyncMin := ms(1, 20)
	p := Params{
		Loss:         permille(10, 500),
		Duplicate:    permille(10, 300),
		Reorder:      permille(10, 500),
		DelaySpike:   Exponential(delayMin, ms(10, 500), 5*time.Second),
		ClockBump:    ms(10, 5000),
		StrobeDelta:  ms(1, 1000),
		StrobePeriod: ms(5, 200),
		DriftPPM:     PPM(r.Between(1_000, 500_000)),
		SlowFsync:    Uniform(fsyncMin, fsyncMin+ms(5, 500)),
	}
	// The order of these draws is the order of the literal they were once
	// drawn in; keep it.
	interval := ms(500, 10_000)
	maxActive := int(r.Between(1, 3))
	torn := permille(0, 1000)
	// A late kind is in with the odds lateOdds gives it (three quarters
	// for scenario-deaf-rejoin): directed scenarios strike only while the
	// schedule has them in force, among every other kind the world drew.
	for i, k := range lateKinds {
		if r.Below(4) < lateOdds[i] {
			kinds = append(kinds, k)
		}
	}
	// Membership changes are in one world of three, drawn last of all:
	// each of their kinds with odds one half, member-churn if none was.
	if r.Below(3) == 0 {
		churn := false
		for _, k := range membershipKinds {
			if r.Below(2) == 0 {
				kinds, churn = append(kinds, k.Name), true
			}
		}
		if !churn {
			kinds = append(kinds, "member-churn")
		}
	}
	// Lost disks, and leadership transfers, each in one world of four,
	// drawn after that.
	for _, k := range slices.Concat(diskLossKinds, transferKinds) {
		if r.Below(4) == 0 {
			kinds = append(kinds, k.Name)
		}
	}
	for _, k := range lastKinds {
		if r.Below(4) == 0 {
			kinds = append(kinds, k)
		}
	}
	return World{
		Nemesis: Config{
			Kinds:     kinds,
			Interval:  interval,
			MaxActive: maxActive,
			Params:    p,
		},
		Torn: torn,
	}
}

// isDiskLoss says a kind loses a disk (disk_replace.go).
func isDiskLoss(name string) bool {
	return slices.ContainsFunc(diskLossKinds, func(k Kind) bool { return k.Name == name })
}
