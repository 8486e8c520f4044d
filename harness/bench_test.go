package harness_test

import (
	"fmt"
	"testing"
	"time"

	"raftcheck/harness"
)

// relay passes every message it receives on to a peer drawn from its own
// stream, so a fixed number of messages circulate for ever: nearly every
// event is a network delivery followed by a send, which is the work the
// simulator does most in a Raft run.
type relay struct {
	env   *harness.Env
	peers int
}

type token struct{ hops uint64 }

func (r *relay) Start(env *harness.Env) { r.env = env }

func (r *relay) Receive(_ harness.Addr, payload any) {
	tok := payload.(*token)
	tok.hops++
	to := harness.Addr(r.env.Rand().Below(uint64(r.peers)))
	r.env.Send(to, tok)
}

func (r *relay) Timer(uint64)  {}
func (r *relay) Synced(uint64) {}

// BenchmarkEvents measures simulated events per wall-clock second with the
// network's full work on: a latency draw, drop, duplicate and reorder draws,
// FIFO bookkeeping and counters for every message.
func BenchmarkEvents(b *testing.B) {
	for _, trace := range []bool{false, true} {
		b.Run(fmt.Sprintf("nodes=5/tokens=64/trace=%v", trace), func(b *testing.B) {
			w, err := harness.New(harness.Config{
				Seed: 1,
				Network: harness.NetworkConfig{
					Latency:   harness.Exponential(100*time.Microsecond, time.Millisecond, 100*time.Millisecond),
					Drop:      harness.Prob(0.001),
					Duplicate: harness.Prob(0.001),
					Reorder:   harness.Prob(0.01),
				},
				Trace: trace,
			})
			if err != nil {
				b.Fatal(err)
			}
			const nodes = 5
			relays := make([]*relay, nodes)
			for i := range relays {
				relays[i] = &relay{peers: nodes}
				if _, err := w.AddNode(fmt.Sprintf("n%d", i), func() harness.Node { return relays[i] }); err != nil {
					b.Fatal(err)
				}
			}
			if err := w.Run(0); err != nil {
				b.Fatal(err)
			}
			// Top the circulating tokens up so that drops do not starve
			// the benchmark.
			var refill func()
			refill = func() {
				for i := w.Pending(); i < 64; i++ {
					relays[0].env.Send(harness.Addr(i%nodes), &token{})
				}
				w.After(10*time.Millisecond, refill)
			}
			refill()
			b.ReportAllocs()
			b.ResetTimer()
			start := w.Dispatched()
			for w.Dispatched()-start < uint64(b.N) {
				w.Step()
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
