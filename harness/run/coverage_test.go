package run_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness/run"
)

// A run under faults reaches the behaviours its faults provoke, each
// recorded with the fault groups in force, and the same seed reaches the
// same ones; a quiet run reaches fewer.
func TestCoverageIsReachedAndRepeats(t *testing.T) {
	points := func(kinds []string) []string {
		cfg := run.DefaultConfig(5)
		cfg.Time = 10 * time.Second
		cfg.Nemesis.Kinds, cfg.Nemesis.Interval = kinds, 500*time.Millisecond
		cfg.Trace = false
		out, err := run.Execute(cfg)
		require.NoError(t, err)
		return out.Coverage
	}
	faulty := points([]string{"kill-leader", "partition-one-way", "pause-leader"})
	assert.Equal(t, faulty, points([]string{"kill-leader", "partition-one-way", "pause-leader"}), "the same seed reaches the same points")
	quiet := points(nil)
	assert.Greater(t, len(faulty), len(quiet))
	joined := strings.Join(faulty, "\n")
	for _, want := range []string{"election/won n=5", "fault/kill-leader", "| kill", "restart/with-log=true", "read/index"} {
		assert.Contains(t, joined, want)
	}
	assert.Contains(t, strings.Join(quiet, "\n"), "| calm")
}
