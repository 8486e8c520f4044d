package checker_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
)

// TestStatsAndPerfCountEvictedOperations checks that a history split in
// two, the first part's operations given as OpSamples, has the same stats
// and perf as the whole history.
func TestStatsAndPerfCountEvictedOperations(t *testing.T) {
	whole := checker.History{
		{Type: checker.Invoke, F: "write", Key: "a", Value: checker.Value(1), Process: 0, Time: 10},
		{Type: checker.Invoke, F: "read", Key: "b", Process: 1, Time: 12},
		{Type: checker.OK, F: "write", Key: "a", Value: checker.Value(1), Process: 0, Time: 30},
		{Type: checker.Info, F: "read", Key: "b", Process: 1, Time: 50, Error: "timeout"},
		{Type: checker.Info, F: "partition", Process: checker.Nemesis, Time: 55},
		{Type: checker.Invoke, F: "read", Key: "c", Process: 0, Time: 60},
		{Type: checker.OK, F: "read", Key: "c", Value: checker.Value(1), Process: 0, Time: 75},
		{Type: checker.Invoke, F: "cas", Key: "c", Value: checker.Value([2]int{1, 2}), Process: 2, Time: 80},
		{Type: checker.Fail, F: "cas", Key: "c", Value: checker.Value([2]int{1, 2}), Process: 2, Time: 99},
	}
	for i := range whole {
		whole[i].Index = i
	}
	var evicted checker.History
	var kept checker.History
	for _, e := range whole {
		if e.Key == "a" || e.Key == "b" {
			evicted = append(evicted, e)
		} else {
			kept = append(kept, e)
		}
	}
	var more checker.OpSamples
	more.Add(evicted)
	require.Equal(t, 2, more.Operations())
	assert.Equal(t, checker.Stats(whole), checker.StatsWith(kept, &more))
	assert.Equal(t, checker.Perf(whole), checker.PerfWith(kept, &more))
	assert.Equal(t, checker.Stats(kept), checker.StatsWith(kept, nil))
}
