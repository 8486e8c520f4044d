package nemesis

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"raftcheck/harness"
	"raftcheck/harness/cluster"
)

// Config says which faults a run injects and how often.
type Config struct {
	// Kinds are the fault kinds in use; empty means none.
	Kinds []string `json:"kinds"`
	// Interval is the time between one fault's start and the next action
	// (its heal, or the next fault).
	Interval time.Duration `json:"interval"`
}

// kinds are the fault kinds this package knows.
var kinds = map[string]bool{
	"partition": true,
}

// Parse reads a --nemesis value: "none", or a comma list of kinds.
func Parse(spec string) ([]string, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" || spec == "none" {
		return nil, nil
	}
	var out []string
	seen := map[string]bool{}
	for _, k := range strings.Split(spec, ",") {
		k = strings.TrimSpace(k)
		if !kinds[k] {
			return nil, fmt.Errorf("unknown nemesis %q (want none or a comma list of %s)", k, strings.Join(Kinds(), ", "))
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out, nil
}

// Kinds lists the known fault kinds, sorted.
func Kinds() []string {
	var out []string
	for k := range kinds {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Log records a nemesis action in the run's history (process nemesis).
type Log func(f string, value any)

// Interval is a fault's span in virtual time, for reports; End is zero
// while the fault lasts.
type Interval struct {
	Kind        string        `json:"kind"`
	Start       time.Duration `json:"start"`
	End         time.Duration `json:"end"`
	Description string        `json:"description"`
}

// Nemesis injects a run's faults from the "nemesis" random stream.
type Nemesis struct {
	c         *cluster.Cluster
	cfg       Config
	log       Log
	rand      *harness.Stream
	stopped   bool
	intervals []Interval
	open      int // index of the fault in progress, -1 when none
}

// Start schedules faults from now until the given virtual time: every
// Interval, alternately, a fault drawn from the configured kinds and its
// heal.
func Start(c *cluster.Cluster, cfg Config, log Log, until time.Duration) *Nemesis {
	n := &Nemesis{c: c, cfg: cfg, log: log, rand: c.World.Seeds().Stream("nemesis"), open: -1}
	if len(cfg.Kinds) == 0 || cfg.Interval <= 0 {
		return n
	}
	w := c.World
	var step func()
	step = func() {
		if n.stopped || w.Now() >= until {
			return
		}
		if n.open >= 0 {
			n.heal()
		} else {
			n.inject(cfg.Kinds[n.rand.Below(uint64(len(cfg.Kinds)))])
		}
		w.After(cfg.Interval, step)
	}
	w.After(cfg.Interval, step)
	return n
}

// Intervals are the faults injected so far.
func (n *Nemesis) Intervals() []Interval { return n.intervals }

func (n *Nemesis) inject(kind string) {
	switch kind {
	case "partition":
		a, b := n.randomHalves()
		n.c.World.Partition(a, b)
		desc := fmt.Sprintf("%s | %s", n.names(a), n.names(b))
		n.begin(kind, desc)
		n.log("partition", [][]string{n.nameList(a), n.nameList(b)})
	}
}

// randomHalves splits the nodes in two, the first half the smaller, as
// Jepsen's partition-random-halves does.
func (n *Nemesis) randomHalves() (a, b []harness.Addr) {
	nodes := append([]harness.Addr(nil), n.c.Peers.Addrs...)
	perm := n.rand.Rand().Perm(len(nodes))
	cut := len(nodes) / 2
	for i, p := range perm {
		if i < cut {
			a = append(a, nodes[p])
		} else {
			b = append(b, nodes[p])
		}
	}
	sort.Slice(a, func(i, j int) bool { return a[i] < a[j] })
	sort.Slice(b, func(i, j int) bool { return b[i] < b[j] })
	return a, b
}

func (n *Nemesis) begin(kind, desc string) {
	n.open = len(n.intervals)
	n.intervals = append(n.intervals, Interval{Kind: kind, Start: n.c.World.Now(), Description: desc})
}

func (n *Nemesis) heal() {
	if n.open < 0 {
		return
	}
	n.c.World.HealNetwork()
	n.intervals[n.open].End = n.c.World.Now()
	n.open = -1
	n.log("heal", nil)
}

// Stop ends the schedule and heals what is broken.
func (n *Nemesis) Stop() {
	n.stopped = true
	n.heal()
}

func (n *Nemesis) nameList(addrs []harness.Addr) []string {
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = n.c.World.Name(a)
	}
	return out
}

func (n *Nemesis) names(addrs []harness.Addr) string { return strings.Join(n.nameList(addrs), " ") }
