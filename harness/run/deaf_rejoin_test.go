package run_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
	"raftcheck/harness/kv"
	"raftcheck/harness/run"
)

// scenarioSteps are the steps a run's directed scenario logged, in order.
func scenarioSteps(t *testing.T, h checker.History) []string {
	t.Helper()
	var out []string
	for _, e := range h {
		if e.Process != checker.Nemesis || e.F != "scenario" {
			continue
		}
		var v struct {
			Step string `json:"step"`
		}
		require.NoError(t, json.Unmarshal(e.Value, &v))
		out = append(out, v.Step)
	}
	return out
}

func countPrefix(steps []string, prefix string) int {
	n := 0
	for _, s := range steps {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}

// scenario-deaf-rejoin deafens a follower until it campaigns into a later
// term. Without PreVote it does, and the scenario lets it hear again, so
// that its later term reaches the leader; with PreVote it never does, and
// the scenario gives up on the follower. Either way a correct Raft keeps
// every promise: it refuses the votes that follow inside the old leader's
// lease, and every verdict holds.
func TestDeafRejoinMovesTheLeadersTermOnlyWithoutPreVote(t *testing.T) {
	for _, preVote := range []bool{false, true} {
		for seed := uint64(1); seed <= 2; seed++ {
			name := fmt.Sprintf("pre-vote %v, seed %d", preVote, seed)
			cfg := run.DefaultConfig(seed)
			cfg.Time = 10 * time.Second
			cfg.Raft.PreVote = preVote
			cfg.Server.ReadMode = kv.ReadLease
			cfg.Server.MaxDrift = 100_000
			cfg.Nemesis.Kinds, cfg.Nemesis.Interval = []string{"scenario-deaf-rejoin"}, time.Second
			cfg.Nemesis.Params.DriftPPM = 50_000
			cfg.Trace = false
			out, err := run.Execute(cfg)
			require.NoError(t, err)

			steps := scenarioSteps(t, out.History)
			require.NotZero(t, countPrefix(steps, "deafen a follower"), "%s: %v", name, steps)
			assert.NotZero(t, countPrefix(steps, "slow the leader's clock"), "%s: the clocks are skewed", name)
			rejoined := countPrefix(steps, "let the follower, now in term")
			gaveUp := countPrefix(steps, "the follower never moved its term")
			if preVote {
				assert.Zero(t, rejoined, "%s: a deaf pre-candidate never moves its term", name)
				assert.NotZero(t, gaveUp, name)
			} else {
				assert.NotZero(t, rejoined, "%s: a deaf candidate moves its term", name)
				assert.Zero(t, gaveUp, name)
			}

			rs := checker.Results{}
			out.AddResults(rs)
			for _, check := range []string{"raft-invariants", "lease-safety", "read-freshness", "replica-digest", "liveness"} {
				assert.Equal(t, checker.Valid, rs[check].Valid, "%s: %s: %s", name, check, rs[check].Summary)
			}
		}
	}
}
