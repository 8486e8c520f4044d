package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"

	"raftcheck/harness/run"
	"raftcheck/results"
)

// loadRun reads DIR/results.json and the run configuration it holds,
// refusing fields it does not know, so a replay never silently runs
// something else.
func loadRun(dir string) (run.Config, *results.Run, error) {
	path := filepath.Join(dir, "results.json")
	stored, err := results.ReadRun(path)
	if err != nil {
		return run.Config{}, nil, err
	}
	var system struct {
		System string `json:"system"`
	}
	if json.Unmarshal(stored.Config, &system) == nil && system.System == "maelstrom" {
		return run.Config{}, nil, fmt.Errorf("%s: a Maelstrom run cannot be replayed, shrunk or summarized as a simulated one: its nodes keep their own timers, so no seed repeats it; run it again with: %s", path, stored.Replay)
	}
	var cfg run.Config
	dec := json.NewDecoder(bytes.NewReader(stored.Config))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return run.Config{}, nil, fmt.Errorf("%s: field config: %w", path, err)
	}
	if err := cfg.Validate(); err != nil {
		return run.Config{}, nil, fmt.Errorf("%s: config: %w", path, err)
	}
	return cfg, stored, nil
}
