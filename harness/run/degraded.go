package run

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"raftcheck/checker"
	"raftcheck/harness"
	"raftcheck/workloads"
)

// degraded is the run's last phase, after liveness has passed: Raft
// promises to serve whenever a majority of its voters is up and can talk
// (§5, thesis §3.1), so the largest minority of the voters is cut off, each
// node alone, and the rest must still serve. Within the liveness bound
// every client must complete a read; once every client has, each must
// complete a write and then a read of what it wrote. The majority alone can
// only do that with a leader among it that commits with exactly a majority
// and confirms reads with exactly a majority; and the reads come first, so
// a leader newly elected among the rest must serve them before any client
// has written in its term, which only its own entry of the term (§8, the
// no-op) allows.
//
// It is what makes bugs that cost only availability visible: a quorum
// counted one too high, a leader that does not count its own
// acknowledgement, an election that needs every vote, a new leader that
// never commits in its term. Nothing else checks that the cluster can lose
// a minority, since every earlier phase either injects faults freely
// (where stalls are allowed) or heals everything. The cut minority is
// drawn from the seed, so about as often as it holds the leader it does
// not; with the leader cut off, the rest must elect one of their own while
// the old leader, alone, must serve nothing stale (every oracle keeps
// watching).
type degraded struct {
	cut   []uint64 // the nodes cut off
	keys  []string // keys[i]: the key client i reads and writes
	steps []int    // steps[i]: how many of client i's three operations have completed
	// readers are the clients that completed their first read, done those
	// that completed all three operations.
	readers, done int
}

// The steps of a client in the phase.
const (
	firstRead = iota
	write
	lastRead
	stepsDone
)

// degradedPhase runs the phase and returns liveness's verdict after it:
// done unchanged if the rest served, else why not.
func (r *runner) degradedPhase(done checker.Result) (checker.Result, error) {
	w := r.c.World
	// The voters of the configuration in force: liveness has passed, so
	// a leader has it, settled.
	voters := r.c.Voters()
	if cs, _, ok := r.c.Configuration(); ok {
		voters = cs.Voters
	}
	minority := (len(voters) - 1) / 2
	if minority == 0 {
		return done, nil
	}
	pick := w.Seeds().Stream("degraded")
	order := pick.Perm(len(voters))
	d := &degraded{keys: make([]string, len(r.clients)), steps: make([]int, len(r.clients))}
	for i := range d.keys {
		// Each key written is also read, so the workload checkers that
		// judge a key by its reads have something to judge.
		d.keys[i] = r.keys.Pick(r.rand)
	}
	for _, i := range order[:minority] {
		d.cut = append(d.cut, voters[i])
	}
	slices.Sort(d.cut)
	var groups [][]harness.Addr
	var rest []harness.Addr
	for _, id := range voters {
		if slices.Contains(d.cut, id) {
			groups = append(groups, []harness.Addr{r.c.Addr(id)})
		} else {
			rest = append(rest, r.c.Addr(id))
		}
	}
	w.Partition(append(groups, rest)...)
	r.logNemesis("minority-cut", d.names(r))
	r.deg = d
	cutAt := w.Now()
	window := r.cfg.livenessWindow()
	cut := strings.Join(d.names(r), ", ")
	// First, with every client idle, a leader among the rest must commit
	// an entry of its own term: nothing but its own no-op can do so, and
	// until it has, it can serve no read (§8).
	for w.Now() < cutAt+window && !d.leaderCommittedItsTerm(r) {
		if err := w.Run(min(cutAt+window, w.Now()+time.Millisecond)); err != nil {
			return checker.Result{}, err
		}
	}
	if !d.leaderCommittedItsTerm(r) {
		details, _ := done.Details.(livenessDetails)
		details.MinorityCut = cut
		summary := fmt.Sprintf("with a minority of the voters cut off (%s) and no client asking anything, no leader among the rest was elected within %d election timeouts", cut, r.cfg.Liveness)
		if l := r.c.Leader(); l != nil && !slices.Contains(d.cut, l.ID()) {
			st := l.Status()
			summary = fmt.Sprintf("with a minority of the voters cut off (%s) and no client asking anything, n%d led term %d for %d election timeouts without committing an entry of its term: a new leader must commit one (its no-op) before it can serve a read", cut, l.ID(), st.Term, r.cfg.Liveness)
		}
		details.MinorityServed = "no client: no leader committed its term"
		return checker.Result{Valid: checker.Invalid, Details: details, Summary: summary}, nil
	}
	// From here the leader must keep its office: the rest can all talk
	// over the run's own network, so no follower times out and a leader
	// with CheckQuorum hears from a quorum (checked where the run's
	// timing leaves room for a heartbeat round trip).
	steady := r.c.Leader()
	steadyTerm := steady.Status().Term
	judgeSteady := r.quorum != nil && r.quorum.steadyNetwork(rest)
	r.phase = degradedRunPhase
	for i, cl := range r.clients {
		w.After(0, func() { r.next(i, cl) })
	}
	for w.Now() < cutAt+window && d.done < len(r.clients) {
		if err := w.Run(min(cutAt+window, w.Now()+time.Millisecond)); err != nil {
			return checker.Result{}, err
		}
	}
	servedIn := w.Now() - cutAt
	r.phase = donePhase
	et := time.Duration(r.cfg.Raft.ElectionTick) * r.cfg.Raft.TickInterval
	if err := w.RunFor(max(r.cfg.Client.OpTimeout, 3*et)); err != nil {
		return checker.Result{}, err
	}
	if l := r.c.Leader(); judgeSteady && d.done == len(r.clients) && (l == nil || l.ID() != steady.ID() || l.Status().Term != steadyTerm) {
		details, _ := done.Details.(livenessDetails)
		details.MinorityCut = cut
		details.MinorityServed = fmt.Sprintf("every client, in %v, but leadership changed", servedIn)
		now := "no leader"
		if l != nil {
			now = fmt.Sprintf("n%d leads term %d", l.ID(), l.Status().Term)
		}
		return checker.Result{Valid: checker.Invalid, Details: details, Summary: fmt.Sprintf(
			"with a minority of the voters cut off (%s) and the rest connected over the run's own network, n%d, which led term %d, lost its office (%s at the end): a leader that reaches a quorum keeps it, and followers that hear from it never time out",
			cut, steady.ID(), steadyTerm, now)}, nil
	}
	if d.done < len(r.clients) {
		details, _ := done.Details.(livenessDetails)
		details.MinorityCut = cut
		details.MinorityServed = fmt.Sprintf("%d of %d clients read, %d of %d also wrote and read again", d.readers, len(r.clients), d.done, len(r.clients))
		return checker.Result{Valid: checker.Invalid, Details: details, Summary: fmt.Sprintf(
			"with a minority of the voters cut off (%s), %s within %d election timeouts: a majority of the voters was up and connected, so Raft must serve",
			cut, details.MinorityServed, r.cfg.Liveness)}, nil
	}
	if details, ok := done.Details.(livenessDetails); ok {
		details.MinorityCut = cut
		details.MinorityServed = fmt.Sprintf("every client, in %v", servedIn)
		done.Details = details
	}
	done.Summary += fmt.Sprintf("; with a minority cut off (%s) the rest served every client a read, then a write and a read, in %v", cut, servedIn)
	return done, nil
}

// leaderCommittedItsTerm says a node of the rest leads and has committed
// an entry of its term.
func (d *degraded) leaderCommittedItsTerm(r *runner) bool {
	l := r.c.Leader()
	if l == nil || slices.Contains(d.cut, l.ID()) {
		return false
	}
	st := l.Status()
	t, ok := l.Term(st.Commit) // the commit may be where the log was compacted
	return ok && t == st.Term
}

// names are the cut nodes' names.
func (d *degraded) names(r *runner) []string {
	out := make([]string, len(d.cut))
	for i, id := range d.cut {
		out[i] = r.c.World.Name(r.c.Addr(id))
	}
	return out
}

// op is client i's next operation in the phase: its first read; once
// every client has read, a write and then a read of the same key (so
// that every key written is read, for the checkers that judge a key by
// its reads); then nothing.
func (d *degraded) op(r *runner, i int) (workloads.Op, bool) {
	key := d.keys[i]
	read := r.work.Final(key)[0]
	switch d.steps[i] {
	case firstRead, lastRead:
		return read, true
	case write:
		if d.readers < len(d.steps) {
			return workloads.Op{}, false // until every client has read
		}
		// The workload's generator mixes reads and writes: draw until a
		// write (every workload's generator writes often; the tries only
		// bound the loop).
		for range 32 {
			if op := r.work.Next(r.rand, r.keys, key); op.F != read.F {
				return op, true
			}
		}
	}
	return workloads.Op{}, false
}

// completed notes client i's completion in the phase; it reports whether
// the last of the first reads just completed, when every client may go on.
func (d *degraded) completed(i int, ok bool) (allRead bool) {
	if !ok || d.steps[i] == stepsDone {
		return false
	}
	d.steps[i]++
	switch d.steps[i] {
	case write:
		d.readers++
		return d.readers == len(d.steps)
	case stepsDone:
		d.done++
	}
	return false
}
