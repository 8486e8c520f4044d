package nemesis

import "time"

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
// is); every intensity is drawn from a range wide enough to matter.
func Swarm(r Rand) World {
	var kinds []string
	for _, k := range Kinds() {
		if r.Below(2) == 0 {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 0 {
		all := Kinds()
		kinds = []string{all[r.Below(uint64(len(all)))]}
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
	return World{
		Nemesis: Config{
			Kinds:     kinds,
			Interval:  ms(500, 10_000),
			MaxActive: int(r.Between(1, 3)),
			Params:    p,
		},
		Torn: permille(0, 1000),
	}
}
