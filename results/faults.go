package results

import (
	"encoding/json"
	"fmt"
)

// Fault is one of the nemesis's fault intervals as results.json's "faults"
// holds it. results may not import nemesis, so it reads the JSON shape,
// which is the contract.
type Fault struct {
	Kind  string `json:"kind"`
	Group string `json:"group"`
	// Start and End are virtual nanoseconds; End is zero for a fault still
	// in force when the run ended.
	Start       int64    `json:"start"`
	End         int64    `json:"end"`
	Description string   `json:"description"`
	Nodes       []string `json:"nodes,omitempty"`
}

// DecodeFaults decodes fault intervals as results.json's "faults" holds
// them; a run without any has none.
func DecodeFaults(raw json.RawMessage) ([]Fault, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var fs []Fault
	if err := json.Unmarshal(raw, &fs); err != nil {
		return nil, fmt.Errorf("results: faults: %w", err)
	}
	return fs, nil
}

// endOr is the fault's end, or end when it was still in force.
func (f Fault) endOr(end int64) int64 {
	if f.End <= 0 || f.End < f.Start {
		return max(end, f.Start)
	}
	return f.End
}
