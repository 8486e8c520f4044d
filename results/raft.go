package results

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
)

// RaftSample is one node's Raft state at a moment, as raft.jsonl in a run
// directory holds it: the report draws who led in which term and each
// node's commit index over time from these. It has the JSON shape of the
// harness's samples (results may not import harness).
type RaftSample struct {
	At     int64  `json:"at"` // virtual ns
	Node   string `json:"node"`
	Life   string `json:"life"`  // up, paused or down
	State  string `json:"state"` // StateLeader, StateFollower, ... ("" while down)
	Term   uint64 `json:"term"`
	Commit uint64 `json:"commit"`
}

// A sample holds from its At until the node's next sample; these are the
// values of Life and State the report knows.
const (
	lifeUp     = "up"
	lifePaused = "paused"
	lifeDown   = "down"
	stateLead  = "StateLeader"
)

// WriteRaftJSONL writes samples as JSON Lines, one sample a line.
func WriteRaftJSONL(w io.Writer, samples []RaftSample) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for i := range samples {
		if err := enc.Encode(&samples[i]); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// ReadRaftJSONL reads what WriteRaftJSONL wrote; name is used in errors.
func ReadRaftJSONL(r io.Reader, name string) ([]RaftSample, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var out []RaftSample
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var s RaftSample
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}
