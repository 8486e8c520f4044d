package run

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"raftcheck/checker"
	"raftcheck/harness"
	"raftcheck/harness/client"
	"raftcheck/harness/cluster"
	"raftcheck/harness/etcdnode"
	"raftcheck/harness/kv"
	"raftcheck/harness/simtarget"
	"raftcheck/nemesis"
	"raftcheck/raft"
	"raftcheck/workloads"
)

// Outcome is what a run produced.
type Outcome struct {
	Config  Config
	History checker.History
	// Cluster is the simulated cluster after the run: its world holds the
	// trace and the network and disk counters. Release drops it.
	Cluster *cluster.Cluster
	// World is what the checks and the store need of the world, kept
	// after Release.
	World WorldSummary
	// Faults are the nemesis's fault intervals.
	Faults []nemesis.Interval
	// FaultsSkipped are the kinds the nemesis skipped because the target
	// cannot perform them.
	FaultsSkipped []nemesis.Unsupported
	// Invariants is the verdict of Raft's safety invariants, checked from
	// inside every node on every step; Liveness says whether the cluster
	// recovered after the final heal.
	Invariants checker.Result
	Liveness   checker.Result
	// Oracles are the verdicts of what the simulator saw and no client
	// could: read freshness and replica digests (oracles.go).
	Oracles checker.Results
	// Coverage are the abstract Raft behaviours the run reached
	// (coverage.go), sorted.
	Coverage []string
	// Clocks says whether the clocks stayed within the drift bound that
	// lease reads rely on.
	Clocks ClockBound
	// Raft samples each node's role, term and commit index over the run
	// (every 50ms of virtual time, kept when something changed).
	Raft []checker.RaftSample
	// SimTime is the virtual time the run covered.
	SimTime time.Duration
	// Witness is the order in which the service applied the history's
	// operations, which the linearizability check verifies before it
	// searches (witness.go).
	Witness workloads.Witness
	// Evicted are the keys checked as they retired whose events left
	// memory (evict.go): History lacks them, and the checks count them in
	// (Check). Zero for a run that never reached Config.RetainEvents.
	Evicted workloads.Evicted
	// HistorySHA256 is the hash of the whole history: as Config.HistoryTo
	// received it, or as a run that evicted hashed it ("" for a run with
	// neither, whose History is whole).
	HistorySHA256 string
}

// WorldSummary is what a run's world leaves for the store: the trace's
// hash and the network's and disks' counters.
type WorldSummary struct {
	// Traced says the trace was on; TraceSHA256 is then its hash.
	Traced      bool
	TraceSHA256 string
	Network     harness.NetworkCounters
	Disks       map[string]harness.DiskCounters
}

func summarizeWorld(w *harness.World) WorldSummary {
	s := WorldSummary{Traced: w.Trace().On(), Network: w.NetworkCounters(), Disks: map[string]harness.DiskCounters{}}
	if s.Traced {
		s.TraceSHA256 = w.Trace().SHA256()
	}
	for a := 0; a < w.Endpoints(); a++ {
		if d := w.Disk(harness.Addr(a)); d != nil {
			s.Disks[w.Name(harness.Addr(a))] = d.Counters()
		}
	}
	return s
}

// Release drops the simulated cluster, which the checks and the store do
// not need: a day's run holds hundreds of MB in its nodes, disks and the
// invariant checker's state, which would otherwise stay in memory while
// its history is checked and its report drawn.
func (o *Outcome) Release() { o.Cluster = nil }

// Whole reports whether History is the whole history: nothing evicted.
func (o *Outcome) Whole() bool { return o.Evicted.Keys == 0 }

// Check runs every checker of the run's workload over its history, with
// the service's order of the operations, counting the evicted keys in.
func (o *Outcome) Check(budget time.Duration) (*workloads.Checked, error) {
	return workloads.CheckWitnessedWith(o.History, o.Config.Workload, budget, o.Witness, &o.Evicted)
}

// phase is where a run is.
type phase int

const (
	mainPhase        phase = iota // load and faults
	healPhase                     // no new operations; outstanding ones finish
	livenessPhase                 // every client must complete an operation; final reads
	degradedRunPhase              // a minority cut off: every client must write and read (degraded.go)
	donePhase
)

type runner struct {
	cfg     Config
	c       *cluster.Cluster
	cov     *coverage
	clients []*client.Client
	rec     *client.Recorder
	work    workloads.Workload
	keys    *workloads.Keys
	rand    *harness.Stream
	phase   phase
	clocks  clockWatch
	quorum  *quorumWatch

	// In the liveness phase: probes[i] is the read client i must complete,
	// ok[i] whether it has; finals are the final reads not yet issued.
	probes   []workloads.Op
	probed   []bool
	finals   []workloads.Op
	finalsOK int
	finalsN  int
	healedAt time.Duration
	leaderAt time.Duration // when a leader was first seen after the heal; -1 before

	deg *degraded // in the last phase

	evict *evictor
}

// Execute runs one test: the main phase with load and faults, the final
// heal, then the liveness phase with final reads.
func Execute(cfg Config) (*Outcome, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	work, _ := workloads.Lookup(cfg.Workload)
	cov := newCoverage(cfg.Nodes)
	orc := &oracles{cov: cov}
	orc.once.ttl = int64(cfg.Server.SessionTTL)
	sys, _ := cluster.LookupSystem(cfg.System) // Validate has looked it up
	if _, isEtcd := sys.(etcdnode.System); isEtcd && cfg.Server.ReadMode == kv.ReadLease {
		// etcd keeps the lease itself: ReadIndex answers from it
		// (ReadOnlyLeaseBased), and the service asks ReadIndex.
		cfg.Raft.LeaseBasedReadIndex = true
	}
	ccfg := cluster.Config{
		System: sys,
		Seed:   cfg.Seed, Nodes: cfg.Nodes, Raft: cfg.Raft,
		Network: cfg.Network, Disk: cfg.Disk, Trace: cfg.Trace, TraceTo: cfg.TraceTo,
		NewApp: kv.NewWatchedServer(cfg.Server, orc),
		Watch:  cov,
	}
	c, err := cluster.New(ccfg)
	if err != nil {
		return nil, err
	}
	orc.world, orc.peers, orc.invariants = c.World, c.Peers, c.Invariants
	counted := func(leader, a harness.Addr) bool {
		lid, _ := c.Peers.ID(leader)
		id, _ := c.Peers.ID(a)
		l := c.Node(lid)
		if l == nil {
			return false
		}
		conf := l.ConfState()
		if conf.Joint() {
			return slices.Contains(conf.VotersOutgoing, id)
		}
		return slices.Contains(conf.Voters, id)
	}
	orc.rounds = newLeaseRounds(c.World, c.Peers.Addrs, counted, cfg)
	c.World.SetBudget(cfg.budget())
	r := &runner{cfg: cfg, c: c, cov: cov, work: work, keys: workloads.NewKeys(cfg.Keys, cfg.OpsPerKey), rand: c.World.Seeds().Stream("clients"), leaderAt: -1}
	r.clocks = clockWatch{world: c.World, nodes: c.Peers.Addrs, bound: cfg.Server.MaxDrift}
	r.clients, r.rec, err = c.AddClients(cfg.Clients, cfg.Client)
	if err != nil {
		return nil, err
	}
	if cfg.HistoryTo != nil {
		r.rec.SetSink(checker.NewJSONLWriter(cfg.HistoryTo))
	}
	r.evict = newEvictor(cfg, &r.phase, r.rec, r.keys, &orc.witness)
	for i, cl := range r.clients {
		i := i
		cl.OnComplete = func(cl *client.Client, op kv.Op, done client.Completion) {
			orc.witness.completed(done)
			if err := r.evict.completed(op.Key); err != nil {
				r.evict.err = err
				r.c.World.Stop(err)
			}
			r.completed(i, cl, op, done)
		}
		cl.OnNamed = orc.witness.named
		r.later(cl)
	}
	nem := nemesis.Start(simtarget.ForCluster(c), cfg.Nemesis, r.logNemesis, cfg.Time)
	quorum := newQuorumWatch(c, cfg)
	r.quorum = quorum
	timeline := startRaftTimeline(c, 50*time.Millisecond, quorum)

	out := &Outcome{Config: cfg, Cluster: c}
	w := c.World
	stopErr := w.Run(cfg.Time)
	if stopErr == nil {
		// The final heal: every fault ends, crashed nodes restart, paused
		// ones resume, the network is whole and quiet again.
		r.phase = healPhase
		nem.Stop()
		c.Heal()
		r.healedAt = w.Now()
	}
	var live checker.Result
	if stopErr == nil {
		live, stopErr = r.liveness()
	}
	if stopErr == nil && live.Valid == checker.Valid {
		live, stopErr = r.degradedPhase(live)
	}
	if r.evict.err != nil {
		// The harness's own failure, not the system's: an error, never a
		// verdict.
		return nil, r.evict.err
	}
	if errors.Is(stopErr, harness.ErrMemory) {
		// The machine's limit, not the system's doing: an error, never a
		// verdict.
		return nil, fmt.Errorf("run stopped: %w; give it more (--max-memory) or run it shorter", stopErr)
	}
	out.History = r.rec.History()
	out.Witness = orc.witness.witness()
	out.Evicted = r.evict.evicted
	if sink := r.rec.Sink(); sink != nil {
		if err := r.rec.SinkErr(); err != nil {
			return nil, fmt.Errorf("run: writing the history: %w", err)
		}
		if out.HistorySHA256, err = sink.SHA256(); err != nil {
			return nil, fmt.Errorf("run: writing the history: %w", err)
		}
	}
	out.Faults = nem.Intervals()
	out.FaultsSkipped = nem.Unsupported()
	out.SimTime = w.Now()
	timeline.finish()
	out.Raft = timeline.samples
	out.Clocks = r.clocks.result()
	out.Invariants = checker.Result{Valid: checker.Valid, Summary: fmt.Sprintf("no violation in %d terms with a leader, %d entries committed", len(c.Invariants.Leaders()), c.Invariants.Committed())}
	switch {
	case errors.Is(stopErr, harness.ErrBudget):
		// A storm or a livelock: nothing unsafe was seen, but the run could
		// not go on.
		live = checker.Result{Valid: checker.Invalid, Summary: "the run stopped, a message storm or a livelock: " + stopErr.Error()}
	case stopErr != nil:
		out.Invariants = checker.Result{Valid: checker.Invalid, Summary: stopErr.Error()}
		live = checker.Result{Valid: checker.Unknown, Summary: "not checked: the run stopped at a safety violation"}
	}
	out.Liveness = live
	out.Oracles = orc.results(cfg.Server.ReadMode)
	out.Oracles["check-quorum"] = quorum.result(cfg.Raft.CheckQuorum)
	out.Coverage = cov.Points()
	out.World = summarizeWorld(w)
	return out, nil
}

// AddResults adds the run's own verdicts to a history's checks: the Raft
// invariants, liveness, and the oracles.
func (o *Outcome) AddResults(rs checker.Results) {
	rs["raft-invariants"] = o.Invariants
	rs["liveness"] = o.Liveness
	for name, r := range o.Oracles {
		rs[name] = r
	}
}

// later schedules a client's next operation after a random stagger.
func (r *runner) later(cl *client.Client) {
	gap := r.cfg.meanGap()
	delay := time.Duration(r.rand.Below(uint64(2*gap) + 1))
	r.c.World.After(delay, func() { r.next(-1, cl) })
}

// next starts a client's next operation: a generated one in the main
// phase; in the liveness phase its probe until it has completed one, then
// final reads.
func (r *runner) next(i int, cl *client.Client) {
	if cl.Busy() {
		return
	}
	var op workloads.Op
	switch {
	case r.phase == mainPhase:
		key := r.keys.Pick(r.rand)
		op = r.work.Next(r.rand, r.keys, key)
	case r.phase == livenessPhase && i >= 0 && !r.probed[i]:
		op = r.probes[i]
	case r.phase == livenessPhase && len(r.finals) > 0:
		op, r.finals = r.finals[0], r.finals[1:]
	case r.phase == degradedRunPhase && i >= 0:
		var ok bool
		if op, ok = r.deg.op(r, i); !ok {
			return
		}
	default:
		return
	}
	r.evict.invoked(op.Key)
	if err := cl.Invoke(kvOp(op)); err != nil {
		r.c.World.Stop(fmt.Errorf("run: %w", err))
	}
}

func (r *runner) completed(i int, cl *client.Client, op kv.Op, done client.Completion) {
	switch r.phase {
	case mainPhase:
		r.later(cl)
	case livenessPhase:
		switch {
		case !r.probed[i]:
			r.probed[i] = done.Type == checker.OK
		case done.Type == checker.OK:
			r.finalsOK++
		default:
			// A final read that did not succeed is asked again, until
			// the liveness window closes.
			r.finals = append(r.finals, workloads.Op{F: op.F, Key: op.Key})
		}
		r.c.World.After(0, func() { r.next(i, cl) })
	case degradedRunPhase:
		if r.deg.completed(i, done.Type == checker.OK) {
			// Every client has read: the ones waiting may write.
			for j, other := range r.clients {
				r.c.World.After(0, func() { r.next(j, other) })
			}
		}
		r.c.World.After(0, func() { r.next(i, cl) })
	}
}

// liveness runs the liveness phase: after the final heal, within the
// liveness bound, a leader must be elected, every client must complete an
// operation (its probe: a read), and every final read (one for each key the
// run used, spread over the clients) must succeed.
func (r *runner) liveness() (checker.Result, error) {
	w := r.c.World
	// Operations still outstanding from the main phase finish first (each
	// within the client's timeout); the leader is looked for meanwhile.
	if err := r.runWatchingLeader(w.Now() + r.cfg.Client.OpTimeout); err != nil {
		return checker.Result{}, err
	}
	r.phase = livenessPhase
	// Every key that had an operation gets a final read, but those an
	// eviction round checked (evict.go); a run so short that none did
	// still probes one key.
	var all []string
	for _, key := range r.keys.Used() {
		if !r.evict.checked[key] {
			all = append(all, key)
		}
	}
	if len(all) == 0 {
		// The first key no eviction round checked: an active one, never
		// retired, so its events are all still in memory.
		for _, key := range r.keys.All() {
			if !r.evict.checked[key] {
				all = []string{key}
				break
			}
		}
	}
	for i := range r.clients {
		r.probes = append(r.probes, r.work.Final(all[i%len(all)])[0])
	}
	r.probed = make([]bool, len(r.clients))
	for _, key := range all {
		r.finals = append(r.finals, r.work.Final(key)...)
	}
	r.finalsN = len(r.finals)
	for i, cl := range r.clients {
		i, cl := i, cl
		w.After(0, func() { r.next(i, cl) })
	}
	// The bound counts from here, once the operations outstanding at the
	// heal have had their timeout: a client that retries for longer than
	// the bound would otherwise leave none of it to the probes.
	window := r.cfg.livenessWindow()
	deadline := w.Now() + window
	for w.Now() < deadline && !r.live() {
		if err := r.runWatchingLeader(w.Now() + time.Millisecond); err != nil {
			return checker.Result{}, err
		}
	}
	liveAt := w.Now()
	r.phase = donePhase
	// Let the last operations complete, so no invocation is left open.
	if err := w.RunFor(r.cfg.Client.OpTimeout); err != nil {
		return checker.Result{}, err
	}
	probed := 0
	for _, ok := range r.probed {
		if ok {
			probed++
		}
	}
	lag := r.lagging()
	unsettled := r.unsettled()
	details := livenessDetails{
		Lagging:        lag,
		Unsettled:      unsettled,
		Outsiders:      r.outsiders(),
		Bound:          fmt.Sprintf("%d election timeouts (%v)", r.cfg.Liveness, window),
		ClientsOK:      probed,
		Clients:        len(r.clients),
		FinalReadsOK:   r.finalsOK,
		FinalReads:     r.finalsN,
		LeaderAfter:    durationOrNone(r.leaderAt, r.healedAt),
		RecoveredAfter: durationOrNone(liveAt, r.healedAt),
	}
	verdict := func(summary string) (checker.Result, error) {
		if details.Outsiders != "" {
			summary += "; outside the configuration and campaigning: " + details.Outsiders
		}
		return checker.Result{Valid: checker.Invalid, Summary: summary, Details: details}, nil
	}
	switch {
	case r.leaderAt < 0:
		return verdict(fmt.Sprintf("no leader within %d election timeouts of the final heal", r.cfg.Liveness))
	case probed < len(r.clients):
		return verdict(fmt.Sprintf("%d of %d clients completed an operation within %d election timeouts of the final heal", probed, len(r.clients), r.cfg.Liveness))
	case r.finalsOK < r.finalsN:
		return verdict(fmt.Sprintf("%d of %d final reads succeeded within %d election timeouts of the final heal", r.finalsOK, r.finalsN, r.cfg.Liveness))
	case unsettled != "":
		return verdict(fmt.Sprintf("the configuration did not settle within %d election timeouts of the final heal: %s", r.cfg.Liveness, unsettled))
	case lag != "":
		return verdict(fmt.Sprintf("a node did not catch up within %d election timeouts of the final heal: %s", r.cfg.Liveness, lag))
	}
	return checker.Result{Valid: checker.Valid, Summary: fmt.Sprintf("after the final heal a leader was elected in %v; every client completed an operation, all %d final reads succeeded and every member caught up with the leader in %v", details.LeaderAfter, r.finalsN, details.RecoveredAfter), Details: details}, nil
}

// runWatchingLeader runs the world until the given time, noting when a
// leader is first seen after the heal (at millisecond resolution).
func (r *runner) runWatchingLeader(until time.Duration) error {
	w := r.c.World
	for w.Now() < until {
		if r.leaderAt < 0 && r.c.Leader() != nil {
			r.leaderAt = w.Now()
		}
		if err := w.Run(min(until, w.Now()+time.Millisecond)); err != nil {
			return err
		}
	}
	if r.leaderAt < 0 && r.c.Leader() != nil {
		r.leaderAt = w.Now()
	}
	return nil
}

func (r *runner) live() bool {
	if r.leaderAt < 0 || r.finalsOK < r.finalsN || r.unsettled() != "" {
		return false
	}
	for _, ok := range r.probed {
		if !ok {
			return false
		}
	}
	return r.lagging() == ""
}

// lagging names a node that has not caught up with the leader: every
// member's commit index (a voter's or a learner's, of the leader's
// configuration) must reach the leader's, and its state machine must
// apply all of it. A node left behind for good (a follower the
// leader stopped replicating to, one whose appends are always refused)
// would go unnoticed by clients served by the rest; it is "" when every
// node has caught up.
func (r *runner) lagging() string {
	leader := r.c.Leader()
	if leader == nil {
		return "no leader"
	}
	want := leader.Status().Commit
	conf := leader.ConfState()
	for _, id := range r.c.Peers.IDs() {
		if !conf.IsMember(id) {
			// A node outside the configuration is owed nothing; one
			// that disrupts the members shows in their elections.
			continue
		}
		n := r.c.Up(id)
		if n == nil {
			return fmt.Sprintf("n%d is not running", id)
		}
		st := n.Status()
		if st.Commit < want || n.AppliedIndex() < want {
			return fmt.Sprintf("n%d has committed %d and applied %d, the leader n%d has committed %d", id, st.Commit, n.AppliedIndex(), leader.ID(), want)
		}
	}
	return ""
}

// unsettled says why the leader's configuration is not settled: a joint
// configuration that was never left (etcd #12136), or a change that
// never committed; "" when it is settled or there is no leader.
func (r *runner) unsettled() string {
	l := r.c.Leader()
	if l == nil {
		return ""
	}
	conf, commit := l.ConfState(), l.Status().Commit
	switch {
	case conf.Joint():
		return fmt.Sprintf("the leader n%d is still in the joint configuration %v", l.ID(), conf)
	case l.ConfIndex() > commit:
		return fmt.Sprintf("the leader n%d's change to %v at index %d has not committed (commit %d)", l.ID(), conf, l.ConfIndex(), commit)
	}
	return ""
}

// outsiders names the running nodes outside the leader's configuration
// that campaign, or hold a term above the leader's: a removed node that
// never learned it was removed, and may disrupt the members (etcd
// #11038); "" if none.
func (r *runner) outsiders() string {
	l := r.c.Leader()
	if l == nil {
		return ""
	}
	conf, term := l.ConfState(), l.Status().Term
	var out []string
	for _, id := range r.c.Peers.IDs() {
		n := r.c.Up(id)
		if n == nil || conf.IsMember(id) {
			continue
		}
		if st := n.Status(); st.Term > term || st.State == raft.StateCandidate || st.State == raft.StatePreCandidate {
			out = append(out, fmt.Sprintf("n%d (%s, term %d)", id, st.State, st.Term))
		}
	}
	return strings.Join(out, ", ")
}

// livenessDetails are the liveness checker's details in results.json.
type livenessDetails struct {
	Bound          string `json:"bound"`
	LeaderAfter    string `json:"leader_after"`
	RecoveredAfter string `json:"recovered_after"`
	Clients        int    `json:"clients"`
	ClientsOK      int    `json:"clients_ok"`
	FinalReads     int    `json:"final_reads"`
	FinalReadsOK   int    `json:"final_reads_ok"`
	// Lagging names a node that had not caught up with the leader when
	// the window closed ("" if none); Unsettled says why the leader's
	// configuration was joint or uncommitted then, and Outsiders names
	// the nodes outside it that were campaigning.
	Lagging   string `json:"lagging,omitempty"`
	Unsettled string `json:"unsettled,omitempty"`
	Outsiders string `json:"outsiders,omitempty"`
	// MinorityCut names the voters cut off in the last phase, and
	// MinorityServed how many clients the rest served (degraded.go).
	MinorityCut    string `json:"minority_cut,omitempty"`
	MinorityServed string `json:"minority_served,omitempty"`
}

func durationOrNone(at, since time.Duration) string {
	if at < 0 {
		return "never"
	}
	return (at - since).String()
}

func (r *runner) logNemesis(f string, value any) {
	r.rec.Record(checker.Info, checker.Nemesis, f, "", checker.Value(value), "")
	if f != "scenario" {
		r.cov.fault(f, value, r.c.Leader() != nil)
	}
	if r.quorum != nil {
		r.quorum.faultChanged(f == "heal")
	}
	r.clocks.check()
}

func kvOp(o workloads.Op) kv.Op { return kv.Op{F: o.F, Key: o.Key, Value: o.Value, Old: o.Old} }
