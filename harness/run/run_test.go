package run_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
	"raftcheck/harness/run"
)

func TestARunProducesAValidatedHistory(t *testing.T) {
	cfg := run.DefaultConfig(1)
	cfg.Time = 10 * time.Second
	out, err := run.Execute(cfg)
	require.NoError(t, err)
	require.NoError(t, out.History.Validate())
	assert.Equal(t, checker.Valid, out.Invariants.Valid, out.Invariants.Summary)
	assert.Equal(t, checker.Valid, out.Liveness.Valid, out.Liveness.Summary)
	counts := map[checker.Type]int{}
	nemesis := 0
	for _, e := range out.History {
		if e.Process == checker.Nemesis {
			nemesis++
			continue
		}
		counts[e.Type]++
	}
	t.Logf("%v, %d nemesis events, %d faults, sim %v", counts, nemesis, len(out.Faults), out.SimTime)
	assert.Greater(t, counts[checker.OK], 500)
	assert.Positive(t, nemesis)
}
