package harness_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftcheck/harness"
)

// recorder is a node that does nothing but record what it is given, so a
// test can say exactly what the world delivered and when.
type recorder struct {
	env      *harness.Env
	starts   int
	got      []delivery
	timers   []firing
	synced   []uint64
	onStart  func(env *harness.Env)
	onTimer  func(tag uint64)
	onSynced func(id uint64)
}

type delivery struct {
	at      time.Duration
	from    harness.Addr
	payload any
}

type firing struct {
	at  time.Duration
	tag uint64
}

func (r *recorder) Start(env *harness.Env) {
	r.env = env
	r.starts++
	if r.onStart != nil {
		r.onStart(env)
	}
}

func (r *recorder) Receive(from harness.Addr, payload any) {
	r.got = append(r.got, delivery{at: r.env.Now(), from: from, payload: payload})
}

func (r *recorder) Timer(tag uint64) {
	r.timers = append(r.timers, firing{at: r.env.Now(), tag: tag})
	if r.onTimer != nil {
		r.onTimer(tag)
	}
}

func (r *recorder) Synced(id uint64) {
	r.synced = append(r.synced, id)
	if r.onSynced != nil {
		r.onSynced(id)
	}
}

func (r *recorder) payloads() []any {
	var out []any
	for _, d := range r.got {
		out = append(out, d.payload)
	}
	return out
}

// newWorld builds a world with a quiet network (constant 1ms latency, no
// faults) unless the test changes it, and n recorders added as nodes. It runs
// the world to time zero so that every node has started.
func newWorld(t *testing.T, n int, tweak func(*harness.Config)) (*harness.World, []*recorder) {
	t.Helper()
	cfg := harness.Config{
		Seed:    1,
		Network: harness.NetworkConfig{Latency: harness.Constant(time.Millisecond)},
		Disk:    harness.DiskConfig{SyncLatency: harness.Constant(2 * time.Millisecond)},
		Trace:   true,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	w, err := harness.New(cfg)
	require.NoError(t, err)
	recs := make([]*recorder, n)
	for i := range recs {
		i := i
		recs[i] = &recorder{}
		_, err := w.AddNode(string(rune('a'+i)), func() harness.Node {
			// A restart builds a fresh recorder, as a crash loses memory;
			// the slice entry is replaced so the test sees the live one.
			if recs[i].starts > 0 {
				recs[i] = &recorder{}
			}
			return recs[i]
		})
		require.NoError(t, err)
	}
	require.NoError(t, w.Run(0))
	return w, recs
}
