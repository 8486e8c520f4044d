package run

import (
	"fmt"
	"time"

	"raftcheck/checker"
	"raftcheck/harness"
	"raftcheck/harness/client"
	"raftcheck/harness/cluster"
	"raftcheck/harness/kv"
	"raftcheck/nemesis"
	"raftcheck/workloads"
)

// Outcome is what a run produced.
type Outcome struct {
	Config  Config
	History checker.History
	// Cluster is the simulated cluster after the run: its world holds the
	// trace and the network and disk counters.
	Cluster *cluster.Cluster
	// Faults are the nemesis's fault intervals.
	Faults []nemesis.Interval
	// Invariants is the verdict of Raft's safety invariants, checked from
	// inside every node on every step; Liveness says whether the cluster
	// recovered after the heal.
	Invariants checker.Result
	Liveness   checker.Result
	// SimTime is the virtual time the run covered.
	SimTime time.Duration
}

// phase is where a run is.
type phase int

const (
	mainPhase  phase = iota // load and faults
	healPhase               // no new operations; outstanding ones finish
	finalPhase              // final reads
	donePhase
)

type runner struct {
	cfg      Config
	c        *cluster.Cluster
	clients  []*client.Client
	rec      *client.Recorder
	work     workloads.Workload
	keys     *workloads.Keys
	rand     *harness.Stream
	phase    phase
	finals   []workloads.Op // final reads not yet issued
	finalsOK int
	finalsN  int
}

// Execute runs one test.
func Execute(cfg Config) (*Outcome, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	work, _ := workloads.Lookup(cfg.Workload)
	ccfg := cluster.Config{
		Seed: cfg.Seed, Nodes: cfg.Nodes, Raft: cfg.Raft,
		Network: cfg.Network, Disk: cfg.Disk, Trace: cfg.Trace,
		NewApp: kv.NewServer(cfg.Server),
	}
	c, err := cluster.New(ccfg)
	if err != nil {
		return nil, err
	}
	r := &runner{cfg: cfg, c: c, work: work, keys: workloads.NewKeys(cfg.Keys, cfg.OpsPerKey), rand: c.World.Seeds().Stream("clients")}
	r.clients, r.rec, err = c.AddClients(cfg.Clients, cfg.Client)
	if err != nil {
		return nil, err
	}
	for _, cl := range r.clients {
		cl.OnComplete = r.completed
		r.later(cl)
	}
	nem := nemesis.Start(c, cfg.Nemesis, r.logNemesis, cfg.Time)

	out := &Outcome{Config: cfg, Cluster: c}
	w := c.World
	stopErr := w.Run(cfg.Time)
	if stopErr == nil {
		// The heal: faults end, outstanding operations finish (each within
		// the client's operation timeout), then the final reads run.
		r.phase = healPhase
		nem.Stop()
		c.Heal()
		stopErr = w.RunFor(cfg.Client.OpTimeout)
	}
	var live checker.Result
	if stopErr == nil {
		live, stopErr = r.finalReads()
	}
	out.History = r.rec.History()
	out.Faults = nem.Intervals()
	out.SimTime = w.Now()
	out.Invariants = checker.Result{Valid: checker.Valid, Summary: fmt.Sprintf("no violation in %d terms with a leader, %d entries committed", len(c.Invariants.Leaders()), c.Invariants.Committed())}
	if stopErr != nil {
		out.Invariants = checker.Result{Valid: checker.Invalid, Summary: stopErr.Error()}
		live = checker.Result{Valid: checker.Unknown, Summary: "not checked: the run stopped at a safety violation"}
	}
	out.Liveness = live
	return out, nil
}

// later schedules a client's next operation after a random stagger.
func (r *runner) later(cl *client.Client) {
	gap := r.cfg.meanGap()
	delay := time.Duration(r.rand.Below(uint64(2*gap) + 1))
	r.c.World.After(delay, func() { r.next(cl) })
}

func (r *runner) next(cl *client.Client) {
	if cl.Busy() {
		return
	}
	var op workloads.Op
	switch r.phase {
	case mainPhase:
		key := r.keys.Pick(r.rand)
		op = r.work.Next(r.rand, r.keys, key)
	case finalPhase:
		if len(r.finals) == 0 {
			return
		}
		op, r.finals = r.finals[0], r.finals[1:]
	default:
		return
	}
	if err := cl.Invoke(kvOp(op)); err != nil {
		r.c.World.Stop(fmt.Errorf("run: %w", err))
	}
}

func (r *runner) completed(cl *client.Client, op kv.Op, done client.Completion) {
	switch r.phase {
	case mainPhase:
		r.later(cl)
	case finalPhase:
		if done.Type == checker.OK {
			r.finalsOK++
		} else {
			// A final read that did not succeed is asked again, until the
			// recovery window closes.
			r.finals = append(r.finals, workloads.Op{F: op.F, Key: op.Key})
		}
		r.c.World.After(0, func() { r.next(cl) })
	}
}

// finalReads runs the final reads after the heal: every key the run used
// is read, spread over the clients. The cluster is live if a leader is
// elected and every final read succeeds within the recovery window.
func (r *runner) finalReads() (checker.Result, error) {
	w := r.c.World
	r.phase = finalPhase
	for _, key := range r.keys.All() {
		r.finals = append(r.finals, r.work.Final(key)...)
	}
	r.finalsN = len(r.finals)
	for _, cl := range r.clients {
		cl := cl
		w.After(0, func() { r.next(cl) })
	}
	deadline := w.Now() + r.cfg.Recovery
	for w.Now() < deadline && r.finalsOK < r.finalsN {
		if err := w.RunFor(10 * time.Millisecond); err != nil {
			return checker.Result{}, err
		}
	}
	r.phase = donePhase
	// Let the last operations complete so that the history has no open
	// invocation left by the window's end.
	if err := w.RunFor(r.cfg.Client.OpTimeout); err != nil {
		return checker.Result{}, err
	}
	details := map[string]any{"final_reads": r.finalsN, "final_reads_ok": r.finalsOK}
	if r.c.Leader() == nil {
		return checker.Result{Valid: checker.Invalid, Summary: fmt.Sprintf("no leader %v after the heal", r.cfg.Recovery), Details: details}, nil
	}
	if r.finalsOK < r.finalsN {
		return checker.Result{Valid: checker.Invalid, Summary: fmt.Sprintf("%d of %d final reads succeeded within %v of the heal", r.finalsOK, r.finalsN, r.cfg.Recovery), Details: details}, nil
	}
	return checker.Result{Valid: checker.Valid, Summary: fmt.Sprintf("a leader was elected and all %d final reads succeeded after the heal", r.finalsN), Details: details}, nil
}

func (r *runner) logNemesis(f string, value any) {
	r.rec.Record(checker.Info, checker.Nemesis, f, "", checker.Value(value), "")
}

func kvOp(o workloads.Op) kv.Op { return kv.Op{F: o.F, Key: o.Key, Value: o.Value, Old: o.Old} }
