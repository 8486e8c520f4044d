package results

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftcheck/checker"
	"raftcheck/workloads"
)

// synth is a made-up run for tests and benchmarks: a linearizable register
// history over keys, with failed cas operations and a few info writes
// (whose processes retire, as the harness's do), faults every few seconds,
// and Raft samples of five nodes.
type synth struct {
	run     *Run
	history checker.History
	raft    []checker.RaftSample
}

type synthOp struct {
	proc       checker.Process
	key        string
	f          string
	in         json.RawMessage
	out        json.RawMessage
	typ        checker.Type
	start, end int64
	lin        int64
}

func newSynth(t testing.TB, ops, procs, keys int, seed uint64) *synth {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	var all []*synthOp
	next := checker.Process(procs)
	now := make([]int64, procs)
	id := make([]checker.Process, procs)
	for p := range id {
		id[p] = checker.Process(p)
	}
	for i := 0; i < ops; i++ {
		p := i % procs
		start := now[p] + int64(rng.IntN(40e6))
		o := &synthOp{proc: id[p], key: fmt.Sprintf("k%d", rng.IntN(keys)), start: start, end: start + 1e6 + int64(rng.IntN(20e6))}
		o.lin = o.start + rng.Int64N(o.end-o.start)
		switch r := rng.IntN(10); {
		case r < 5:
			o.f = "read"
		case r < 8:
			o.f = "write"
		default:
			o.f = "cas"
		}
		if o.f == "write" && rng.IntN(200) == 0 {
			// An info write: the client gave up after its timeout and its
			// process retires.
			o.typ, o.end = checker.Info, o.start+1e9
			id[p], next = next, next+1
		}
		now[p] = o.end
		all = append(all, o)
	}
	// Apply the operations at their linearization points.
	byLin := slices.Clone(all)
	slices.SortFunc(byLin, func(a, b *synthOp) int { return cmp.Compare(a.lin, b.lin) })
	reg := map[string]int64{}
	written := int64(0)
	for _, o := range byLin {
		cur, present := reg[o.key]
		switch o.f {
		case "read":
			o.in = checker.Value(nil)
			if present {
				o.out = checker.Value(cur)
			} else {
				o.out = checker.Value(nil)
			}
			o.typ = checker.OK
		case "write":
			written++
			o.in = checker.Value(written)
			reg[o.key] = written
			if o.typ == "" {
				o.typ = checker.OK
			}
			o.out = o.in
		case "cas":
			old := cur
			if rng.IntN(3) == 0 {
				old = cur + 1 // will not match
			}
			written++
			o.in = checker.Value([]int64{old, written})
			o.out = o.in
			if present && old == cur {
				reg[o.key] = written
				o.typ = checker.OK
			} else {
				o.typ = checker.Fail
			}
		}
	}
	type ev struct {
		e   checker.Event
		seq int
	}
	var evs []ev
	for i, o := range all {
		evs = append(evs, ev{checker.Event{Type: checker.Invoke, F: o.f, Key: o.key, Value: o.in, Process: o.proc, Time: o.start}, 2 * i})
		done := checker.Event{Type: o.typ, F: o.f, Key: o.key, Value: o.out, Process: o.proc, Time: o.end}
		if o.typ == checker.Info {
			done.Value, done.Error = o.in, "timed out"
		}
		evs = append(evs, ev{done, 2*i + 1})
	}
	var faults []Fault
	end := int64(0)
	for _, o := range all {
		end = max(end, o.end)
	}
	groups := []string{"partition", "kill", "pause", "clock", "packet", "disk"}
	for at, i := int64(2e9), 0; at < end; at, i = at+5e9, i+1 {
		g := groups[i%len(groups)]
		f := Fault{Kind: g + "-one", Group: g, Start: at, End: at + 2e9, Description: fmt.Sprintf("%s n%d", g, i%5+1), Nodes: []string{fmt.Sprintf("n%d", i%5+1)}}
		faults = append(faults, f)
		evs = append(evs, ev{checker.Event{Type: checker.Info, F: f.Kind, Value: checker.Value(f.Nodes), Process: checker.Nemesis, Time: at}, -1})
	}
	slices.SortStableFunc(evs, func(a, b ev) int {
		if c := cmp.Compare(a.e.Time, b.e.Time); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	s := &synth{}
	for i, e := range evs {
		e.e.Index = i
		s.history = append(s.history, e.e)
	}
	s.raft = synthRaft(end)
	s.run = &Run{
		Valid: checker.Valid, Test: "register-synthetic", Seed: seed,
		Config:     Raw(map[string]any{"seed": seed, "time": end, "nodes": 5, "workload": "register", "raft": map[string]any{"tick_interval": 10 * time.Millisecond}}),
		Checkers:   checker.Results{},
		Ops:        ops,
		SimSeconds: float64(end) / 1e9,
		Replay:     fmt.Sprintf("raftcheck run --seed %d", seed),
		Started:    time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC),
		Faults:     Raw(faults),
		FaultWorld: Raw(map[string]any{"swarm": true, "nemesis": map[string]any{"kinds": groups, "interval": 5e9}}),
		Clocks:     Raw(map[string]any{"bound_ppm": 50000, "exceeded": false}),
		Network:    Raw(map[string]any{"sent": 1000, "delivered": 990, "dropped": 10}),
		Disks:      Raw(map[string]any{"n1": map[string]any{"writes": 10, "syncs": 5}, "n2": map[string]any{"writes": 11, "syncs": 6}}),
	}
	return s
}

// synthRaft samples five nodes every 50ms: a leader that changes every
// 20s, n5 down for a second every 30s, and commit indexes that grow.
func synthRaft(end int64) []checker.RaftSample {
	var out []checker.RaftSample
	for at := int64(0); at <= end; at += 50e6 {
		term := uint64(at/20e9) + 1
		for n := 1; n <= 5; n++ {
			s := checker.RaftSample{At: at, Node: fmt.Sprintf("n%d", n), Life: lifeUp, State: "StateFollower", Term: term, Commit: uint64(at / 10e6)}
			if n == int(term%5)+1 {
				s.State = stateLead
			}
			if n == 5 && at%30e9 < 1e9 && at > 1e9 {
				s = checker.RaftSample{At: at, Node: "n5", Life: lifeDown}
			}
			out = append(out, s)
		}
	}
	return out
}

// check runs every checker of the register workload on the history.
func (s *synth) check(t testing.TB) *workloads.Checked {
	t.Helper()
	c, err := workloads.CheckModel(s.history, "register", time.Minute)
	require.NoError(t, err)
	s.run.Checkers = c.Results
	s.run.Valid = c.Results.Valid()
	return c
}
