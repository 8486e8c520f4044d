package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The liveness phase's catch-up rule is the only check that sees a
// follower left behind while the rest of the cluster serves every client.
// The zoo's probe-reject-ignored patch (an off-by-one that makes a leader
// ignore a lagging follower's rejections) leaves one behind on swarm seed
// 6: every client completes its operations and every other checker passes,
// and the run fails liveness by "did not catch up". The clean tree passes
// the same seed.
func TestCatchUpSeesAFollowerLeftBehind(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a patched raftcheck")
	}
	b := runPatched(t, "probe-reject-ignored", "run", "--seed", "6", "--swarm")
	var r struct {
		Checkers map[string]struct {
			Valid   any    `json:"valid"`
			Summary string `json:"summary"`
			Details struct {
				Clients   int    `json:"clients"`
				ClientsOK int    `json:"clients_ok"`
				Lagging   string `json:"lagging"`
			} `json:"details"`
		} `json:"checkers"`
	}
	require.NoError(t, json.Unmarshal(b, &r))
	live := r.Checkers["liveness"]
	assert.Equal(t, false, live.Valid, live.Summary)
	assert.Contains(t, live.Summary, "did not catch up")
	assert.NotEmpty(t, live.Details.Lagging)
	assert.Equal(t, live.Details.Clients, live.Details.ClientsOK, "every client was served")
	for name, c := range r.Checkers {
		if name != "liveness" {
			assert.Equal(t, true, c.Valid, "%s: %s", name, c.Summary)
		}
	}

	code, stdout, stderr := runCLI(t, "run", "--seed", "6", "--swarm", "--store", t.TempDir())
	assert.Equal(t, exitValid, code, stdout+stderr)
}
