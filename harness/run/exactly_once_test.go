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
					e.expire(w, uint64(i+1), int64(i+1), []uint64{out.Session})
					continue
				}
				e.applied(w, uint64(i+1), int64(i+1), out)
			}
			requireSessionVerdict(t, e.result(), tc.valid)
		})
	}
}

// A session expires only once idle for longer than its ttl, by the
// sessions' clock: its registration, commands and retries keep it alive;
// a stale command does not.
func TestSessionsExpireOnlyWhenIdle(t *testing.T) {
	const ttl = 10
	type step struct {
		clock  int64
		out    kv.Outcome
		expire bool // the first replica expires session 7 at clock
	}
	reg := kv.Outcome{Kind: kv.CmdRegister, Session: 7, Status: kv.StatusOK}
	op := func(seq uint64, status kv.Status) kv.Outcome {
		return kv.Outcome{Kind: kv.CmdOp, Session: 7, Seq: seq, Status: status, Result: kv.Result{OK: status == kv.StatusOK}}
	}
	tests := []struct {
		name  string
		steps []step
		valid bool
	}{
		{"expired after the ttl idle", []step{{0, reg, false}, {5, op(1, kv.StatusOK), false}, {16, kv.Outcome{}, true}}, true},
		{"expired within the ttl of its last command", []step{{0, reg, false}, {5, op(1, kv.StatusOK), false}, {12, kv.Outcome{}, true}}, false},
		{"a retry keeps it alive", []step{{0, reg, false}, {2, op(1, kv.StatusOK), false}, {8, op(1, kv.StatusOK), false}, {14, kv.Outcome{}, true}}, false},
		{"a stale command does not", []step{{0, reg, false}, {2, op(2, kv.StatusOK), false}, {9, op(1, kv.StatusStale), false}, {13, kv.Outcome{}, true}}, true},
		{"answered expired without ever expiring", []step{{0, reg, false}, {20, op(1, kv.StatusExpired), false}}, false},
		{"served long past its ttl", []step{{0, reg, false}, {5, op(1, kv.StatusOK), false}, {17, op(2, kv.StatusOK), false}}, false},
		{"served at its ttl", []step{{0, reg, false}, {5, op(1, kv.StatusOK), false}, {15, op(2, kv.StatusOK), false}}, true},
		{"the clock going back", []step{{5, reg, false}, {3, op(1, kv.StatusOK), false}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, err := harness.New(harness.Config{Seed: 1})
			require.NoError(t, err)
			e := exactlyOnce{ttl: ttl}
			for i, s := range tc.steps {
				if s.expire {
					e.expire(w, uint64(i+1), s.clock, []uint64{7})
				} else {
					e.applied(w, uint64(i+1), s.clock, s.out)
				}
			}
			requireSessionVerdict(t, e.result(), tc.valid)
		})
	}
}

// requireSessionVerdict checks the oracle's verdict on session 7.
func requireSessionVerdict(t *testing.T, r checker.Result, valid bool) {
	t.Helper()
	if valid {
		assert.Equal(t, checker.Valid, r.Valid, r.Summary)
		return
	}
	assert.Equal(t, checker.Invalid, r.Valid, r.Summary)
	assert.Contains(t, r.Summary, "session 7")
}
