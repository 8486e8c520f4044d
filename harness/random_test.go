package harness_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness"
)

func draw(s *harness.Stream, n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = s.Uint64()
	}
	return out
}

func TestStreamsAreIndependent(t *testing.T) {
	seeds := harness.NewSeeds(42)
	alone := draw(seeds.Stream("node/n1"), 10)

	// Drawing heavily from another stream first must not shift node/n1.
	net := seeds.Stream("network")
	draw(net, 1000)
	assert.Equal(t, alone, draw(seeds.Stream("node/n1"), 10))

	assert.NotEqual(t, alone, draw(seeds.Stream("node/n2"), 10), "different names draw differently")
	assert.NotEqual(t, alone, draw(harness.NewSeeds(43).Stream("node/n1"), 10), "different seeds draw differently")
}

func TestStreamRandSharesTheStreamsSequence(t *testing.T) {
	a := harness.NewSeeds(7).Stream("x")
	b := harness.NewSeeds(7).Stream("x")
	assert.Equal(t, a.Uint64(), b.Rand().Uint64())
	assert.Equal(t, a.Rand().Uint64(), b.Uint64())
}

func TestBelowAndBetweenStayInRange(t *testing.T) {
	s := harness.NewSeeds(1).Stream("t")
	seen := map[uint64]bool{}
	for i := 0; i < 10000; i++ {
		v := s.Below(7)
		require.Less(t, v, uint64(7))
		seen[v] = true
		b := s.Between(-3, 3)
		require.GreaterOrEqual(t, b, int64(-3))
		require.LessOrEqual(t, b, int64(3))
	}
	assert.Len(t, seen, 7, "every value is drawn")
	assert.Equal(t, int64(5), s.Between(5, 5))
	assert.Equal(t, int64(5), s.Between(5, 2))
}

func TestProbabilities(t *testing.T) {
	s := harness.NewSeeds(1).Stream("p")
	count := func(p harness.Probability) int {
		n := 0
		for i := 0; i < 100000; i++ {
			if s.Chance(p) {
				n++
			}
		}
		return n
	}
	assert.Zero(t, count(harness.Prob(0)))
	assert.Zero(t, count(harness.Prob(-1)))
	assert.Equal(t, 100000, count(harness.Prob(1)))
	assert.InDelta(t, 25000, count(harness.Prob(0.25)), 1000)

	b, err := json.Marshal(harness.Prob(0.125))
	require.NoError(t, err)
	assert.Equal(t, "0.125", string(b))
	var p harness.Probability
	require.NoError(t, json.Unmarshal(b, &p))
	assert.Equal(t, harness.Prob(0.125), p)
	require.Error(t, json.Unmarshal([]byte("1.5"), &p))
	require.Error(t, json.Unmarshal([]byte(`"x"`), &p))
}

func TestLatencyDistributions(t *testing.T) {
	s := harness.NewSeeds(3).Stream("lat")
	const n = 20000

	c := harness.Constant(3 * time.Millisecond)
	for i := 0; i < 100; i++ {
		require.Equal(t, 3*time.Millisecond, c.Draw(s))
	}

	u := harness.Uniform(time.Millisecond, 2*time.Millisecond)
	var sum time.Duration
	for i := 0; i < n; i++ {
		d := u.Draw(s)
		require.GreaterOrEqual(t, d, time.Millisecond)
		require.LessOrEqual(t, d, 2*time.Millisecond)
		sum += d
	}
	assert.InDelta(t, float64(1500*time.Microsecond), float64(sum/n), float64(20*time.Microsecond))

	e := harness.Exponential(time.Millisecond, 4*time.Millisecond, 0)
	sum = 0
	long := 0
	for i := 0; i < n; i++ {
		d := e.Draw(s)
		require.GreaterOrEqual(t, d, time.Millisecond)
		sum += d
		if d > time.Millisecond+3*4*time.Millisecond {
			long++
		}
	}
	assert.InDelta(t, float64(5*time.Millisecond), float64(sum/n), float64(200*time.Microsecond), "mean = min + mean of the tail")
	// P(Exp > 3 means) = e^-3 ~ 5%: the tail is long.
	assert.InDelta(t, 0.0498*n, float64(long), 0.01*n)

	capped := harness.Exponential(0, time.Second, 10*time.Millisecond)
	for i := 0; i < 1000; i++ {
		require.LessOrEqual(t, capped.Draw(s), 10*time.Millisecond)
	}
}

func TestParseLatency(t *testing.T) {
	good := []struct {
		in   string
		want harness.Latency
	}{
		{"constant:2ms", harness.Constant(2 * time.Millisecond)},
		{"uniform:1ms-5ms", harness.Uniform(time.Millisecond, 5*time.Millisecond)},
		{"exponential:1ms+3ms", harness.Exponential(time.Millisecond, 3*time.Millisecond, 0)},
		{"exponential:1ms+3ms<1s", harness.Exponential(time.Millisecond, 3*time.Millisecond, time.Second)},
	}
	for _, tc := range good {
		t.Run(tc.in, func(t *testing.T) {
			got, err := harness.ParseLatency(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			again, err := harness.ParseLatency(got.String())
			require.NoError(t, err)
			assert.Equal(t, got, again, "String round-trips")
		})
	}
	bad := []string{"", "2ms", "constant:x", "uniform:5ms-1ms", "uniform:1ms", "exponential:1ms", "exponential:1ms+0s", "gamma:1ms", "constant:-1ms"}
	for _, in := range bad {
		_, err := harness.ParseLatency(in)
		assert.Error(t, err, "%q", in)
	}
}
