package checker_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
)

const msNS = int64(1_000_000)

// perfHistory has ten ok reads taking 1ms to 10ms, an ok write taking 4ms
// and an info write that timed out after 1s, over 1070ms from the first
// client event to the last; nemesis events around it do not count.
func perfHistory(t *testing.T) checker.History {
	b := newWL(t)
	for i := int64(1); i <= 10; i++ {
		b.inv(int(i), "read", "k", nil).after(i*msNS).ok(int(i), 1)
	}
	b.inv(20, "write", "k", 2).after(4*msNS).ok(20, nil)
	b.inv(21, "write", "k", 3).after(1000 * msNS).info(21)
	b.after(5000 * msNS).nemesis("stop")
	return b.build()
}

func TestPerf(t *testing.T) {
	r := checker.Perf(perfHistory(t))
	assert.Equal(t, checker.Valid, r.Valid)
	d, ok := r.Details.(checker.PerfDetails)
	require.True(t, ok)
	assert.Equal(t, 1.07, d.SpanSeconds)
	require.Len(t, d.ByF, 2)

	read := d.ByF[0]
	assert.Equal(t, "read", read.F)
	assert.Equal(t, 10, read.OK.Count)
	assert.Equal(t, checker.Latency{P50: 5, P90: 9, P95: 10, P99: 10, Max: 10, Mean: 5.5}, read.OK.Latency)
	assert.Equal(t, read.OK, read.Completed)
	assert.InDelta(t, 10/1.07, read.OK.Throughput, 1e-9)

	write := d.ByF[1]
	assert.Equal(t, "write", write.F)
	assert.Equal(t, checker.PerfFigures{Count: 1, Throughput: write.OK.Throughput, Latency: checker.Latency{P50: 4, P90: 4, P95: 4, P99: 4, Max: 4, Mean: 4}}, write.OK)
	assert.Equal(t, checker.Latency{P50: 4, P90: 1000, P95: 1000, P99: 1000, Max: 1000, Mean: 502}, write.Completed.Latency)
	assert.InDelta(t, 2/1.07, write.Completed.Throughput, 1e-9)

	assert.Equal(t, 11, d.Total.OK.Count)
	assert.Equal(t, checker.Latency{P50: 5, P90: 9, P95: 10, P99: 10, Max: 10, Mean: 59.0 / 11}, d.Total.OK.Latency)
	assert.Equal(t, 12, d.Total.Completed.Count)
	assert.Equal(t, 1000.0, d.Total.Completed.Latency.P99)
	assert.Contains(t, r.Summary, "11 ok of 12 completed operations over 1.070s")
}

func TestPerfIsDeterministic(t *testing.T) {
	h := loadJSONL(t, "listappend-ok.jsonl")
	a, err := json.Marshal(checker.Perf(h))
	require.NoError(t, err)
	for i := 0; i < 20; i++ {
		b, err := json.Marshal(checker.Perf(h))
		require.NoError(t, err)
		require.Equal(t, string(a), string(b))
	}
}

func TestPerfOfNothing(t *testing.T) {
	r := checker.Perf(checker.History{})
	assert.Equal(t, checker.Valid, r.Valid)
	d := r.Details.(checker.PerfDetails)
	assert.Zero(t, d.SpanSeconds)
	assert.Zero(t, d.Total.OK.Count)
	assert.Empty(t, d.ByF)

	// An operation never completed has no latency.
	r = checker.Perf(newWL(t).inv(0, "read", "k", nil).build())
	d = r.Details.(checker.PerfDetails)
	require.Len(t, d.ByF, 1)
	assert.Zero(t, d.ByF[0].Completed.Count)
	assert.Zero(t, d.ByF[0].Completed.Throughput)
}
