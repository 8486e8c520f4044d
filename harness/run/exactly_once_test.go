package run

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
	"raftcheck/harness"
	"raftcheck/harness/kv"
)

func TestExactlyOnce(t *testing.T) {
	reg := kv.Outcome{Kind: kv.CmdRegister, Session: 7, Status: kv.StatusOK}
	op := func(seq uint64, status kv.Status, value int64) kv.Outcome {
		return kv.Outcome{Kind: kv.CmdOp, Session: 7, Seq: seq, Status: status, Result: kv.Result{OK: status == kv.StatusOK, Value: value}}
	}
	// expiry marks the point in outcomes where the first replica reports
	// that it expired session 7.
	expiry := kv.Outcome{Kind: kv.CmdOp, Session: 7, Status: kv.Status(255)}
	tests := []struct {
		name     string
		outcomes []kv.Outcome
		valid    bool
	}{
		{"commands in order", []kv.Outcome{reg, op(1, kv.StatusOK, 1), op(2, kv.StatusOK, 2)}, true},
		{"a retry answered as the first time", []kv.Outcome{reg, op(1, kv.StatusOK, 1), op(1, kv.StatusOK, 1)}, true},
		{"an older command answered stale", []kv.Outcome{reg, op(1, kv.StatusOK, 1), op(2, kv.StatusOK, 2), op(1, kv.StatusStale, 0)}, true},
		{"a session that expired answers expired", []kv.Outcome{reg, op(1, kv.StatusOK, 1), expiry, op(2, kv.StatusExpired, 0), op(3, kv.StatusExpired, 0)}, true},
		{"a session answered expired is gone for good", []kv.Outcome{reg, op(1, kv.StatusOK, 1), op(2, kv.StatusExpired, 0), op(1, kv.StatusOK, 5)}, false},
		{"an expired session revived by its next command", []kv.Outcome{reg, op(1, kv.StatusOK, 1), expiry, op(2, kv.StatusOK, 2)}, false},
		{"an expired session's retry applied", []kv.Outcome{reg, op(1, kv.StatusOK, 1), expiry, op(1, kv.StatusOK, 1)}, false},
		{"a session never registered here is not judged", []kv.Outcome{op(3, kv.StatusOK, 1), op(3, kv.StatusOK, 9)}, true},
		{"a retry answered stale", []kv.Outcome{reg, op(1, kv.StatusOK, 1), op(1, kv.StatusStale, 0)}, false},
		{"a retry applied again", []kv.Outcome{reg, op(1, kv.StatusOK, 1), op(1, kv.StatusOK, 2)}, false},
		{"an older command applied", []kv.Outcome{reg, op(1, kv.StatusOK, 1), op(2, kv.StatusOK, 2), op(1, kv.StatusOK, 3)}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, err := harness.New(harness.Config{Seed: 1})
			require.NoError(t, err)
			var e exactlyOnce
			for i, out := range tc.outcomes {
				if out.Status == expiry.Status {
					e.expire(uint64(i+1), []uint64{out.Session})
					continue
				}
				e.applied(w, uint64(i+1), out)
			}
			r := e.result()
			if tc.valid {
				assert.Equal(t, checker.Valid, r.Valid, r.Summary)
			} else {
				assert.Equal(t, checker.Invalid, r.Valid, r.Summary)
				assert.Contains(t, r.Summary, "session 7")
			}
		})
	}
}
