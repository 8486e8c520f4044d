package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEachNewCheckCatchesItsBug shows each check added for issue 12 at
// work on a whole run: a zoo bug that the default soak missed before the
// check existed fails a swarm seed by that check, and the same seed passes
// on the correct tree. The seeds are the first that show it (swarm seeds
// draw the whole world, so a change to the draw may move them: find the
// new first seed with `raftcheck soak --fail-fast` on the patched tree).
func TestEachNewCheckCatchesItsBug(t *testing.T) {
	if testing.Short() {
		t.Skip("builds patched raftchecks")
	}
	tests := []struct {
		bug     string // a zoo patch (file under zoo/) or a switch bug
		patch   bool
		seed    string
		checker string
		says    string // in the checker's summary
	}{
		{"vote-not-synced", true, "1", "raft-invariants", "Durable Before Sent"},
		{"ack-before-fsync", false, "1", "raft-invariants", "Durable Before Sent"},
		{"prevote-ignores-log", true, "4", "raft-invariants", "Up-to-date Vote"},
		{"leader-counts-unsynced", true, "3", "raft-invariants", "Match Earned"},
		{"lease-votes-after-term-change", true, "2", "raft-invariants", "Leader Stickiness"},
		{"read-before-apply", false, "3", "read-freshness", "older than what was committed"},
		{"quorum-half", true, "6", "raft-invariants", "Pre-Vote Quorum"},
		{"no-dedup", false, "4", "exactly-once", "broke the sessions' exactly-once promise"},
		{"stale-term-ack", true, "4", "raft-invariants", "Stale Response Ignored"},
		{"hardstate-commit-unclamped", true, "1", "raft-invariants", "Durable Commit"},
		{"retry-answered-stale", true, "1", "exactly-once", "answered stale"},
		{"lease-one-tick-long", true, "5", "lease-safety", "by its own clock"},
		{"sessions-expire-in-batches", true, "3", "replica-digest", "diverged"},
		{"check-quorum-miscounts", true, "1", "liveness", "lost its office"},
		{"read-quorum-without-leader", true, "2", "liveness", "a minority of the voters cut off"},
		{"expired-session-revived", true, "2", "exactly-once", "an expired session must answer every later command expired"},
		{"leader-without-noop", true, "2", "liveness", "without committing an entry of its term"},
		{"reads-survive-stepdown", true, "4", "read-freshness", "waited for a read index older than that"},
		{"vote-grant-keeps-timer", true, "2", "raft-invariants", "Election Timer"},
		{"prevote-counts-stale-grants", true, "4", "raft-invariants", "Pre-Vote Quorum"},
		{"vote-request-claims-term", true, "1", "raft-invariants", "Truthful Request"},
		{"session-activity-not-refreshed", true, "2", "exactly-once", "within its ttl"},
		{"wal-checksum-unchecked", true, "10", "raft-invariants", "WAL of"},
		{"lease-ignores-drift", true, "1", "lease-safety", "by its own clock"},
		{"leader-yields-to-vote", true, "1", "raft-invariants", "stepped down to term"},
		{"next-rewinds-on-ack", true, "1", "raft-invariants", "Next Backs Off On Rejection"},
		{"election-timeout-fixed", true, "1", "raft-invariants", "Randomized Election Timeout"},
		{"truncate-in-place", true, "2", "raft-invariants", "refused a malformed message"},
		{"restart-persisted-zero", true, "1", "raft-invariants", "commit index that went back"},
		{"session-clock-not-monotone", true, "2", "exactly-once", "clock went back"},
		{"expire-before-clock-advance", true, "2", "exactly-once", "past its ttl"},
		{"conflict-hint-strict", true, "1", "raft-invariants", "Rejection Hint"},
		{"check-quorum-randomized-interval", true, "3", "check-quorum", "still led term"},
		{"entries-before-hardstate", true, "1", "raft-invariants", "Recoverable Prefix"},
		{"match-regresses-on-late-ack", true, "2", "raft-invariants", "Match Only Grows"},
		{"snapshot-keeps-conflicting-suffix", true, "28", "raft-invariants", "Log Matching"},
		{"snapshot-without-sessions", false, "1", "replica-digest", "a snapshot is not the state it stands for"},
	}
	for _, tc := range tests {
		t.Run(tc.bug, func(t *testing.T) {
			args := []string{"run", "--seed", tc.seed, "--swarm"}
			var results []byte
			if tc.patch {
				results = runPatched(t, tc.bug, args...)
			} else {
				store := t.TempDir()
				code, stdout, stderr := runCLI(t, append(args, "--bug", tc.bug, "--store", store)...)
				require.Equal(t, exitInvalid, code, stdout+stderr)
				var err error
				results, err = os.ReadFile(filepath.Join(store, "latest", "results.json"))
				require.NoError(t, err)
			}
			var r struct {
				Checkers map[string]struct {
					Valid   any    `json:"valid"`
					Summary string `json:"summary"`
				} `json:"checkers"`
			}
			require.NoError(t, json.Unmarshal(results, &r))
			got := r.Checkers[tc.checker]
			assert.Equal(t, false, got.Valid, got.Summary)
			assert.Contains(t, got.Summary, tc.says)

			code, stdout, stderr := runCLI(t, append(args, "--store", t.TempDir())...)
			assert.Equal(t, exitValid, code, "the correct tree passes the same seed: %s%s", stdout, stderr)
		})
	}
}

// runPatched builds raftcheck from a copy of the module with the zoo patch
// planted, runs it with args and a store of its own, and returns the run's
// results.json.
func runPatched(t *testing.T, patch string, args ...string) []byte {
	t.Helper()
	tree := t.TempDir()
	require.NoError(t, copyModule(moduleRoot(t), tree))
	text, err := zooPatchFiles.ReadFile("zoo/" + patch + ".patch")
	require.NoError(t, err)
	_, err = applyPatch(tree, string(text))
	require.NoError(t, err)
	bin := filepath.Join(t.TempDir(), "raftcheck")
	require.NoError(t, buildRaftcheck(context.Background(), tree, bin))
	store := t.TempDir()
	out, _ := exec.Command(bin, append(args, "--store", store)...).CombinedOutput()
	results, err := os.ReadFile(filepath.Join(store, "latest", "results.json"))
	require.NoError(t, err, string(out))
	return results
}

// The soak runs a seed twice and fails it when the histories differ: a
// state machine that answers in map order is caught so, and the correct
// tree reproduces the same seed.
func TestTheSoakCatchesANondeterministicRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a patched raftcheck")
	}
	tree := t.TempDir()
	require.NoError(t, copyModule(moduleRoot(t), tree))
	text, err := zooPatchFiles.ReadFile("zoo/set-members-in-map-order.patch")
	require.NoError(t, err)
	_, err = applyPatch(tree, string(text))
	require.NoError(t, err)
	bin := filepath.Join(t.TempDir(), "raftcheck")
	require.NoError(t, buildRaftcheck(context.Background(), tree, bin))
	args := []string{"soak", "--seeds", "1", "--first", "41", "--recheck", "1", "--shrink", "0"}
	summary := func(bin string) string {
		out := t.TempDir()
		b, _ := exec.Command(bin, append(args, "--out", out, "--store", t.TempDir())...).CombinedOutput()
		data, err := os.ReadFile(filepath.Join(out, "summary.json"))
		require.NoError(t, err, string(b))
		var s struct {
			Seeds []struct {
				Valid   any    `json:"valid"`
				Summary string `json:"summary"`
			} `json:"seeds"`
		}
		require.NoError(t, json.Unmarshal(data, &s))
		require.Len(t, s.Seeds, 1)
		return s.Seeds[0].Summary
	}
	assert.Contains(t, summary(bin), "determinism=false")
	code, stdout, stderr := runCLI(t, append(args, "--out", t.TempDir(), "--store", t.TempDir())...)
	assert.Equal(t, exitValid, code, "the correct tree reproduces the seed: %s%s", stdout, stderr)
}
