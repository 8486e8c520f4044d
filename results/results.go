package results

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"raftcheck/checker"
)

// Run is what results.json holds for one run (../shared/DESIGN.md §5).
type Run struct {
	Valid checker.Validity `json:"valid"`
	Test  string           `json:"test"`
	Seed  uint64           `json:"seed"`
	// Config is every option of the run, enough to replay it exactly.
	Config        json.RawMessage `json:"config"`
	Checkers      checker.Results `json:"checkers"`
	HistorySHA256 string          `json:"history_sha256"`
	TraceSHA256   string          `json:"trace_sha256,omitempty"`
	Ops           int             `json:"ops"`
	SimSeconds    float64         `json:"sim_seconds"`
	WallSeconds   float64         `json:"wall_seconds"`
	Replay        string          `json:"replay"`
	Started       time.Time       `json:"started"`
	// Faults, Network and Disks describe what the world did: the
	// nemesis's fault intervals and the counters of links and disks.
	Faults json.RawMessage `json:"faults,omitempty"`
	// FaultsSkipped are the fault kinds the nemesis skipped because the
	// system under test cannot perform them, with when and why; absent
	// when it skipped none.
	FaultsSkipped json.RawMessage `json:"faults_skipped,omitempty"`
	Network       json.RawMessage `json:"network,omitempty"`
	Disks         json.RawMessage `json:"disks,omitempty"`
	// FaultWorld is the run's fault world: the kinds, intervals and
	// intensities, drawn from the seed in swarm mode.
	FaultWorld json.RawMessage `json:"fault_world,omitempty"`
	// Clocks says whether the clocks stayed within the drift bound that
	// lease reads rely on.
	Clocks json.RawMessage `json:"clocks,omitempty"`
	// Coverage lists the abstract Raft behaviours the run reached.
	Coverage []string `json:"coverage,omitempty"`
}

// ReadRun reads a results.json.
func ReadRun(path string) (*Run, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Run
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if r.Config == nil {
		return nil, fmt.Errorf("%s: field config: missing", path)
	}
	return &r, nil
}

// Raw encodes v for one of Run's raw fields.
func Raw(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("results: %T cannot be encoded: %v", v, err))
	}
	return b
}
