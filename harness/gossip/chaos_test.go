package gossip_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness"
	"raftcheck/harness/gossip"
)

func chaosHash(t *testing.T, seed uint64) (string, *harness.World) {
	t.Helper()
	w, err := gossip.Chaos(gossip.ChaosConfig{Seed: seed, Nodes: 5, Duration: 2 * time.Second, Trace: true})
	require.NoError(t, err)
	return w.Trace().SHA256(), w
}

// TestSameSeedSameTrace is the world's determinism check, in the spirit of
// madsim's: every seed runs twice, with every fault on, and must produce the
// same trace to the byte; different seeds must produce different traces.
func TestSameSeedSameTrace(t *testing.T) {
	seeds := 200
	if testing.Short() {
		seeds = 20
	}
	seen := map[string]uint64{}
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		first, w := chaosHash(t, seed)
		second, _ := chaosHash(t, seed)
		require.Equal(t, first, second, "seed %d: two runs differ", seed)
		require.Greater(t, w.Trace().Len(), 1000, "seed %d: the run did something", seed)
		if other, dup := seen[first]; dup {
			t.Fatalf("seeds %d and %d produced the same trace", other, seed)
		}
		seen[first] = seed
	}
}

func TestTraceFileHashesToTheTraceHash(t *testing.T) {
	var buf bytes.Buffer
	w, err := gossip.Chaos(gossip.ChaosConfig{Seed: 9, Nodes: 5, Duration: 2 * time.Second, Trace: true, TraceTo: &buf})
	require.NoError(t, err)
	require.NoError(t, w.Trace().Flush())
	sum := sha256.Sum256(buf.Bytes())
	assert.Equal(t, hex.EncodeToString(sum[:]), w.Trace().SHA256(), "the written text hashes to the trace's hash")
	hash, _ := chaosHash(t, 9)
	assert.Equal(t, hash, w.Trace().SHA256(), "a sink does not change what the run does")
	assert.Equal(t, w.Trace().Len(), bytes.Count(buf.Bytes(), []byte("\n")), "one line a record")
	for _, kind := range []string{" send ", " deliver ", " drop ", " duplicate ", " crash ", " restart ", " pause ", " resume ", " cut ", " connect ", " clock-jump ", " clock-rate ", " sync "} {
		assert.Contains(t, buf.String(), kind, "the chaos run exercises %q", kind)
	}
	assert.Contains(t, buf.String(), "value n", "payloads are rendered with their TraceString")
}

func TestChaosExercisesEveryFault(t *testing.T) {
	var net harness.NetworkCounters
	var disk harness.DiskCounters
	for seed := uint64(1); seed <= 20; seed++ {
		_, w := chaosHash(t, seed)
		c := w.NetworkCounters()
		net.DroppedLoss += c.DroppedLoss
		net.DroppedPartition += c.DroppedPartition
		net.DroppedDown += c.DroppedDown
		net.Duplicated += c.Duplicated
		net.Reordered += c.Reordered
		for a := 0; a < w.Endpoints(); a++ {
			dc := w.Disk(harness.Addr(a)).Counters()
			disk.Crashes += dc.Crashes
			disk.LostWrites += dc.LostWrites
			disk.TornWrites += dc.TornWrites
		}
		// Every message is accounted for: sent = delivered + dropped +
		// still in flight - duplicated.
		assert.GreaterOrEqual(t, c.Sent+c.Duplicated, c.Delivered+c.Dropped, "seed %d", seed)
	}
	assert.Positive(t, net.DroppedLoss)
	assert.Positive(t, net.DroppedPartition)
	assert.Positive(t, net.DroppedDown)
	assert.Positive(t, net.Duplicated)
	assert.Positive(t, net.Reordered)
	assert.Positive(t, disk.Crashes)
	assert.Positive(t, disk.LostWrites)
	assert.Positive(t, disk.TornWrites)
}

// TestRecoveredCounterIsTheLastDurableValue crashes gossip nodes at random
// points and checks the one thing the disk promises: what a node reads back
// is at least every value it was told is synced, and never more than it wrote.
func TestRecoveredCounterIsTheLastDurableValue(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		w, err := harness.New(harness.Config{
			Seed:    seed,
			Network: harness.NetworkConfig{Latency: harness.Constant(time.Millisecond)},
			Disk:    harness.DiskConfig{SyncLatency: harness.Uniform(0, 8*time.Millisecond), Torn: harness.Prob(0.5)},
		})
		require.NoError(t, err)
		_, err = w.AddNode("n1", func() harness.Node { return &gossip.Node{Interval: 3 * time.Millisecond} })
		require.NoError(t, err)
		r := w.Seeds().Stream("test")
		for round := 0; round < 20; round++ {
			require.NoError(t, w.RunFor(time.Duration(r.Between(1, int64(50*time.Millisecond)))))
			n := w.Node(0).(*gossip.Node)
			durable, written := n.Durable, n.Counter
			require.NoError(t, w.Crash(0))
			require.NoError(t, w.Restart(0))
			require.NoError(t, w.RunFor(0))
			got := w.Node(0).(*gossip.Node).Recovered
			require.GreaterOrEqual(t, got, durable, "seed %d round %d: a synced value was lost", seed, round)
			require.LessOrEqual(t, got, written, "seed %d round %d: recovered a value never written", seed, round)
		}
	}
}
