package maelstrom

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"raftcheck/nemesis"
)

// Config is a Maelstrom run. It is written into results.json.
type Config struct {
	// System is "maelstrom", as results.json names the system under test.
	System string `json:"system"`
	// Bin is the node binary and Args its arguments.
	Bin  string   `json:"bin"`
	Args []string `json:"bin_args,omitempty"`
	Seed uint64   `json:"seed"`
	// Time is the main phase, in wall time: load and faults.
	Time    time.Duration `json:"time"`
	Nodes   int           `json:"nodes"`
	Clients int           `json:"clients"`
	Keys    int           `json:"keys"`
	// OpsPerKey retires a key after this many operations (0: never).
	OpsPerKey int     `json:"ops_per_key"`
	Rate      float64 `json:"rate"`
	// Latency is the network's one-way delay between nodes, drawn
	// uniformly from [LatencyMin, LatencyMax].
	LatencyMin time.Duration `json:"latency_min"`
	LatencyMax time.Duration `json:"latency_max"`
	// OpTimeout is how long a client waits for a reply before it counts
	// the operation indefinite; InitTimeout how long a node has to answer
	// init.
	OpTimeout   time.Duration  `json:"op_timeout"`
	InitTimeout time.Duration  `json:"init_timeout"`
	Nemesis     nemesis.Config `json:"nemesis"`
	// Deterministic is always false: the nodes keep their own timers.
	Deterministic bool `json:"deterministic"`
}

// DefaultConfig is a 3-node run of 10 s with 5 clients.
func DefaultConfig(seed uint64) Config {
	return Config{
		System: "maelstrom", Seed: seed, Time: 10 * time.Second, Nodes: 3, Clients: 5, Keys: 5, OpsPerKey: 100, Rate: 50,
		LatencyMin: time.Millisecond, LatencyMax: 5 * time.Millisecond,
		OpTimeout: time.Second, InitTimeout: 5 * time.Second,
		Nemesis: nemesis.Config{Kinds: []string{"partition"}, Interval: 2 * time.Second, MaxActive: 1, Params: nemesis.DefaultParams()},
	}
}

// Kinds are the fault kinds that make sense for processes: partitions and
// packet faults on the router, pauses (SIGSTOP and SIGCONT) and kills
// (SIGKILL, then a restart in the same working directory).
var Kinds = []string{
	"partition", "partition-bridge", "partition-halves", "partition-minority-third", "partition-one", "partition-one-way", "partition-ring",
	"packet-delay", "packet-duplicate", "packet-loss", "packet-reorder",
	"pause-one", "pause-minority", "kill-one", "kill-minority", "kill-majority", "kill-all",
}

// Validate reports the first option that cannot work, by its flag name.
func (c Config) Validate() error {
	switch {
	case c.Bin == "":
		return errors.New("--bin is required with --system maelstrom: the node binary to run")
	case c.Time <= 0:
		return fmt.Errorf("--time must be positive, got %v", c.Time)
	case c.Nodes < 1 || c.Nodes > 25:
		return fmt.Errorf("--nodes must be between 1 and 25 for processes, got %d", c.Nodes)
	case c.Clients < 1 || c.Clients > 100:
		return fmt.Errorf("--clients must be between 1 and 100 for processes, got %d", c.Clients)
	case c.Keys < 1 || c.Keys > 100000:
		return fmt.Errorf("--keys must be between 1 and 100000, got %d", c.Keys)
	case c.OpsPerKey < 0:
		return fmt.Errorf("--ops-per-key must not be negative, got %d", c.OpsPerKey)
	case !(c.Rate > 0) || c.Rate > 100000:
		return fmt.Errorf("--rate must be a positive number of operations per second up to 100000, got %v", c.Rate)
	case c.LatencyMin < 0 || c.LatencyMax < c.LatencyMin:
		return fmt.Errorf("latency must be 0 <= min <= max, got %v and %v", c.LatencyMin, c.LatencyMax)
	case c.OpTimeout <= 0 || c.InitTimeout <= 0:
		return errors.New("the operation and init timeouts must be positive")
	}
	if st, err := os.Stat(c.Bin); err != nil {
		return fmt.Errorf("--bin: %v", err)
	} else if st.IsDir() || st.Mode()&0o111 == 0 {
		return fmt.Errorf("--bin: %s is not an executable file", c.Bin)
	}
	for _, k := range c.Nemesis.Kinds {
		if !slices.Contains(Kinds, k) {
			return fmt.Errorf("--nemesis: %s does not apply to processes (these do: %v)", k, Kinds)
		}
	}
	return c.Nemesis.Validate()
}
