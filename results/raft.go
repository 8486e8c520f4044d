package results

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"

	"raftcheck/checker"
)

// A sample holds from its At until the node's next sample; these are the
// values of Life and State the report knows.
const (
	lifeUp     = "up"
	lifePaused = "paused"
	lifeDown   = "down"
	stateLead  = "StateLeader"
)

// WriteRaftJSONL writes samples as JSON Lines, one sample a line.
func WriteRaftJSONL(w io.Writer, samples []checker.RaftSample) error {
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
func ReadRaftJSONL(r io.Reader, name string) ([]checker.RaftSample, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var out []checker.RaftSample
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var s checker.RaftSample
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
