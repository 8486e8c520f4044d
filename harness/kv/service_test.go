package kv_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftcheck/checker"
	"raftcheck/harness"
	"raftcheck/harness/client"
	"raftcheck/harness/cluster"
	"raftcheck/harness/kv"
	"raftcheck/harness/simtarget"
	"raftcheck/harness/sweep"
	"raftcheck/nemesis"
)

// serviceRun is a cluster running the kv service with clients driven in a
// loop: each client, when its operation completes, starts the next one
// after a short pause.
type serviceRun struct {
	c       *cluster.Cluster
	clients []*client.Client
	rec     *client.Recorder
	stop    bool
	nemesis *nemesis.Nemesis
}

// everyFault is the seed sweep's faults: every kind of nemesis's
// catalogue, dense.
func everyFault() nemesis.Config { return sweep.Faults() }

// injectFaults starts the nemesis on the run's cluster until the given
// virtual time; heal ends it.
func (r *serviceRun) injectFaults(cfg nemesis.Config, until time.Duration) {
	r.nemesis = nemesis.Start(simtarget.ForCluster(r.c), cfg, func(string, any) {}, until)
}

// heal ends every fault: the nemesis's, and anything else the cluster
// holds broken.
func (r *serviceRun) heal() {
	if r.nemesis != nil {
		r.nemesis.Stop()
	}
	r.c.Heal()
}

type serviceOpts struct {
	seed    uint64
	nodes   int
	clients int
	server  kv.Config
	client  client.Config
	// next draws each client's next operation; nextFor, when set, draws
	// client i's instead.
	next    func(r *harness.Stream) kv.Op
	nextFor func(i int, r *harness.Stream) kv.Op
	gap     time.Duration
}

func startService(t *testing.T, o serviceOpts) *serviceRun {
	t.Helper()
	cfg := cluster.DefaultConfig(o.seed)
	cfg.Nodes = o.nodes
	cfg.NewApp = kv.NewServer(o.server)
	c, err := cluster.New(cfg)
	require.NoError(t, err)
	run := &serviceRun{c: c}
	run.clients, run.rec, err = c.AddClients(o.clients, o.client)
	require.NoError(t, err)
	r := c.World.Seeds().Stream("clients")
	for i, cl := range run.clients {
		next := func() kv.Op {
			if o.nextFor != nil {
				return o.nextFor(i, r)
			}
			return o.next(r)
		}
		cl.OnComplete = func(cl *client.Client, _ kv.Op, _ client.Completion) {
			c.World.After(o.gap, func() {
				if !run.stop {
					require.NoError(t, cl.Invoke(next()))
				}
			})
		}
		c.World.After(o.gap, func() { require.NoError(t, cl.Invoke(next())) })
	}
	return run
}

// quiesce stops new operations and lets every outstanding one complete.
func (s *serviceRun) quiesce(t *testing.T) {
	t.Helper()
	s.stop = true
	require.NoError(t, s.c.World.RunFor(3*time.Second))
	for _, cl := range s.clients {
		require.False(t, cl.Busy())
	}
}

// final runs one more operation on the first client and returns its
// completion.
func (s *serviceRun) final(t *testing.T, op kv.Op) client.Completion {
	t.Helper()
	var done *client.Completion
	cl := s.clients[0]
	cl.OnComplete = func(_ *client.Client, _ kv.Op, d client.Completion) { done = &d }
	require.NoError(t, cl.Invoke(op))
	require.NoError(t, s.c.World.RunFor(3*time.Second))
	require.NotNil(t, done)
	return *done
}

type opRecord struct {
	invoke, complete checker.Event
}

// operations pairs invocations with completions; an operation still open
// at the end is returned with a zero completion.
func operations(h checker.History) []opRecord {
	open := map[checker.Process]int{}
	var ops []opRecord
	for _, e := range h {
		if e.Process == checker.Nemesis {
			continue
		}
		if e.Type == checker.Invoke {
			open[e.Process] = len(ops)
			ops = append(ops, opRecord{invoke: e})
			continue
		}
		ops[open[e.Process]].complete = e
		delete(open, e.Process)
	}
	return ops
}

func intValue(t *testing.T, raw json.RawMessage) (int64, bool) {
	t.Helper()
	if string(raw) == "null" {
		return 0, false
	}
	var v int64
	require.NoError(t, json.Unmarshal(raw, &v))
	return v, true
}

// staleReads finds register reads that returned a value some completed
// write had already replaced before the read began: each write writes a
// value unique to its key, so a read of v is stale when the write of v
// finished before another write w2 started, and w2 finished before the read
// started. A read of nothing is stale once any write has finished before it.
// It is a necessary condition of linearizability, enough to catch the stale
// reads of a deposed leader or a lagging follower.
func staleReads(t *testing.T, h checker.History) []string {
	t.Helper()
	writes := map[string]map[int64]opRecord{}
	var reads []opRecord
	for _, op := range operations(h) {
		switch {
		case op.invoke.F == kv.FWrite && op.complete.Type == checker.OK:
			v, _ := intValue(t, op.invoke.Value)
			if writes[op.invoke.Key] == nil {
				writes[op.invoke.Key] = map[int64]opRecord{}
			}
			writes[op.invoke.Key][v] = op
		case op.invoke.F == kv.FRead && op.complete.Type == checker.OK:
			reads = append(reads, op)
		}
	}
	var stale []string
	for _, r := range reads {
		v, present := intValue(t, r.complete.Value)
		w, known := writes[r.invoke.Key][v]
		for _, w2 := range writes[r.invoke.Key] {
			if w2.complete.Time >= r.invoke.Time {
				continue // w2 had not finished when the read began
			}
			if !present || (known && w.complete.Time < w2.invoke.Time) {
				stale = append(stale, fmt.Sprintf("read of %s by process %v at %v returned %s, but %v was written before it began",
					r.invoke.Key, r.invoke.Process, time.Duration(r.invoke.Time), r.complete.Value, w2.invoke.Value))
				break
			}
		}
	}
	return stale
}
