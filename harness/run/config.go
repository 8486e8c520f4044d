package run

import (
	"fmt"
	"io"
	"time"

	"raftcheck/harness"
	"raftcheck/harness/client"
	"raftcheck/harness/cluster"
	"raftcheck/harness/kv"
	"raftcheck/harness/raftnode"
	"raftcheck/harness/simtarget"
	"raftcheck/nemesis"
	"raftcheck/workloads"
)

// Config is every option of a run: enough, with the seed, to replay it
// exactly. It is written into results.json.
type Config struct {
	// System is the Raft implementation under test (cluster.LookupSystem;
	// "" in a results.json written before systems could be chosen is the
	// bundled Raft).
	System   string        `json:"system"`
	Seed     uint64        `json:"seed"`
	Time     time.Duration `json:"time"` // the main phase: load and faults
	Nodes    int           `json:"nodes"`
	Clients  int           `json:"clients"`
	Workload string        `json:"workload"`
	Keys     int           `json:"keys"`
	// OpsPerKey retires a key after this many operations (0: never).
	OpsPerKey int `json:"ops_per_key"`
	// Rate is the target of operations per second over all clients; each
	// client pauses a random stagger between operations whose mean is
	// Clients/Rate.
	Rate float64 `json:"rate"`
	// Liveness bounds, in election timeouts, the time after the final heal
	// in which a leader must be elected, every client must complete an
	// operation, and every final read must succeed.
	Liveness int            `json:"liveness_election_timeouts"`
	Nemesis  nemesis.Config `json:"nemesis"`
	// Swarm says the nemesis configuration and the disk's torn-write
	// probability were drawn from the seed (nemesis.Swarm).
	Swarm bool `json:"swarm"`
	// SwarmWorld says the seed drew the whole world (swarm.go), and
	// SwarmKept lists the options given explicitly, which it left alone.
	SwarmWorld bool                  `json:"swarm_world,omitempty"`
	SwarmKept  []string              `json:"swarm_kept,omitempty"`
	Raft       raftnode.Config       `json:"raft"`
	Server     kv.Config             `json:"server"`
	Client     client.Config         `json:"client"`
	Network    harness.NetworkConfig `json:"network"`
	Disk       harness.DiskConfig    `json:"disk"`
	Trace      bool                  `json:"trace"`
	// TraceTo, with Trace, receives the trace's text as the run goes. It
	// is where the trace is kept, not what the run does: not replayed.
	TraceTo io.Writer `json:"-"`
	// RetainEvents is how many history events the run keeps in memory
	// before it checks its retired keys and evicts the events of those
	// that pass (evict.go); 0 is DefaultRetainEvents. It changes which
	// keys get a final read, so it is part of what the run does.
	RetainEvents int `json:"retain_events,omitempty"`
	// CheckBudget is the wall-clock budget of the check of each retired
	// key a run evicts (0: a minute); a key it leaves undecided keeps its
	// events for the final check.
	CheckBudget time.Duration `json:"-"`
	// HistoryTo, if set, receives the history as JSON Lines as the run
	// records it: the whole history, whatever was evicted from memory.
	HistoryTo io.Writer `json:"-"`
	// MaxMemory, when positive, is the heap the run may retain, in bytes
	// (harness.Budget.Memory): over it the run stops with an error. It is
	// the machine's limit, not part of what the run does: not replayed.
	MaxMemory uint64 `json:"-"`
}

// DefaultConfig is DESIGN §7's default run: 5 nodes, the register workload,
// 60 s of simulated time, with the partition nemesis every 5 s.
func DefaultConfig(seed uint64) Config {
	return Config{
		System:    "bundled",
		Seed:      seed,
		Time:      60 * time.Second,
		Nodes:     5,
		Clients:   10,
		Workload:  "register",
		Keys:      10,
		OpsPerKey: 200,
		Rate:      100,
		Liveness:  100,
		Nemesis:   nemesis.Config{Kinds: []string{"partition"}, Interval: 5 * time.Second, MaxActive: 2, Params: nemesis.DefaultParams()},
		Raft:      raftnode.DefaultConfig(),
		Server:    kv.DefaultConfig(),
		Client:    client.DefaultConfig(),
		Network:   harness.NetworkConfig{Latency: harness.Uniform(time.Millisecond, 5*time.Millisecond)},
		Disk:      harness.DiskConfig{SyncLatency: harness.Uniform(100*time.Microsecond, 2*time.Millisecond)},
		Trace:     true,
	}
}

// Validate reports the first option that cannot work, by its flag name.
func (c Config) Validate() error {
	switch {
	case c.Time <= 0:
		return fmt.Errorf("--time must be positive, got %v", c.Time)
	case c.Nodes < 1 || c.Nodes > 64:
		return fmt.Errorf("--nodes must be between 1 and 64, got %d", c.Nodes)
	case c.Clients < 1 || c.Clients > 10000:
		return fmt.Errorf("--clients must be between 1 and 10000, got %d", c.Clients)
	case c.RetainEvents < 0:
		return fmt.Errorf("--retain-events must not be negative, got %d", c.RetainEvents)
	case c.Keys < 1 || c.Keys > 100000:
		return fmt.Errorf("--keys must be between 1 and 100000, got %d", c.Keys)
	case c.OpsPerKey < 0:
		return fmt.Errorf("--ops-per-key must not be negative, got %d", c.OpsPerKey)
	case !(c.Rate > 0) || c.Rate > 1e7:
		return fmt.Errorf("--rate must be a positive number of operations per second, got %v", c.Rate)
	case c.Liveness <= 0:
		return fmt.Errorf("--liveness must be a positive number of election timeouts, got %d", c.Liveness)
	case c.Nemesis.Interval < time.Millisecond && len(c.Nemesis.Kinds) > 0:
		// Faults come and go about every interval: faster than the
		// network's own latency they only make the simulation crawl.
		return fmt.Errorf("--nemesis-interval must be at least 1ms, got %v", c.Nemesis.Interval)
	}
	if _, err := workloads.Lookup(c.Workload); err != nil {
		return fmt.Errorf("--workload: %w", err)
	}
	sys, err := cluster.LookupSystem(c.System)
	if err != nil {
		return fmt.Errorf("--system: %w", err)
	}
	if err := sys.Check(c.Raft); err != nil {
		return fmt.Errorf("--system %s: %w", sys.Name(), err)
	}
	if c.Server.ReadMode == kv.ReadLease && !c.Raft.CheckQuorum {
		// A lease read rests on the followers' promise not to vote for an
		// election timeout after they last heard from the leader; Raft
		// keeps it for real votes only with CheckQuorum (thesis §6.4.1).
		// etcd refuses the same pair.
		return fmt.Errorf("--read-mode lease needs CheckQuorum: without it a follower votes inside the leader's lease, and a lease read can miss a newer leader's writes")
	}
	for _, check := range []func() error{c.Raft.Validate, c.Server.Validate, c.Client.Validate, c.Network.Validate, c.Disk.Validate, c.Nemesis.Validate, c.validateFaultLatencies} {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

// validateFaultLatencies checks the nemesis's latencies against the
// simulated world's rules: nemesis only describes them, and the world is
// what draws from them.
func (c Config) validateFaultLatencies() error {
	for _, l := range []struct {
		name string
		l    nemesis.Latency
	}{{"delay spike", c.Nemesis.Params.DelaySpike}, {"slow fsync", c.Nemesis.Params.SlowFsync}} {
		if l.l.IsZero() {
			continue
		}
		if err := simtarget.Latency(l.l).Validate(); err != nil {
			return fmt.Errorf("nemesis: %s: %w", l.name, err)
		}
	}
	return nil
}

// livenessWindow is the liveness bound as virtual time: Liveness election
// timeouts (the base timeout, ElectionTick ticks).
func (c Config) livenessWindow() time.Duration {
	return time.Duration(c.Liveness*c.Raft.ElectionTick) * c.Raft.TickInterval
}

// eventsPerSecond bounds the events a run may dispatch per simulated
// second of its planned length: a healthy run dispatches a few thousand
// (2,300–3,100 for 5–7 nodes under every fault, measured), so a hundred
// thousand is a storm.
const eventsPerSecond = 100_000

// maxPending bounds the events waiting at once; a healthy run has a few
// hundred in flight.
const maxPending = 200_000

// budget is the run's event budget, from its planned length: the main
// phase, the liveness window, and time for the last operations.
func (c Config) budget() harness.Budget {
	// The liveness phase and the degraded phase after it each run for
	// at most the liveness window and a few client timeouts.
	planned := c.Time + 2*c.livenessWindow() + 6*c.Client.OpTimeout
	return harness.Budget{Events: uint64(planned.Seconds()+1) * eventsPerSecond, Pending: maxPending, Memory: c.MaxMemory}
}

// checkBudget is CheckBudget, or its default.
func (c Config) checkBudget() time.Duration {
	if c.CheckBudget > 0 {
		return c.CheckBudget
	}
	return time.Minute
}

// meanGap is the mean pause of one client between operations.
func (c Config) meanGap() time.Duration {
	return time.Duration(float64(c.Clients) / c.Rate * float64(time.Second))
}
