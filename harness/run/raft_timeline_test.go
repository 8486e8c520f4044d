package run

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTheRaftTimelineKeepsProgressCoarselyInALongRun checks that a long
// run's timeline keeps every sample of its first progressDetail and then
// a progress-only sample at most once a progressEvery per node, while the
// run's last sample is kept whatever its time.
func TestTheRaftTimelineKeepsProgressCoarselyInALongRun(t *testing.T) {
	cfg := DefaultConfig(1)
	cfg.Time = progressDetail + time.Minute
	cfg.Trace = false
	out, err := Execute(cfg)
	require.NoError(t, err)
	lastAt := map[string]int64{}
	lastKey := map[string]string{}
	early, late := 0, 0
	for i, s := range out.Raft {
		key := s.Life + s.State + s.Conf + string(rune(s.Term)) + string(rune(s.Installs))
		if s.At <= int64(progressDetail) {
			early++
		} else if i < len(out.Raft)-len(out.Cluster.Peers.Addrs) && lastKey[s.Node] == key {
			late++
			assert.GreaterOrEqual(t, s.At-lastAt[s.Node], int64(progressEvery), "sample %d of %s, progress only, within a second of the last", i, s.Node)
		}
		lastAt[s.Node], lastKey[s.Node] = s.At, key
	}
	assert.Greater(t, early, 20*late, "the first ten minutes are kept at 50 ms, the last minute at a second")
	assert.Positive(t, late)
}
