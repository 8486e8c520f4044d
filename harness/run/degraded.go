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
// every client must complete a write and then a read, which the majority
// alone can only do with a leader among it that commits with exactly a
// majority and confirms reads with exactly a majority.
//
// It is what makes bugs that cost only availability visible: a quorum
// counted one too high, a leader that does not count its own
// acknowledgement, an election that needs every vote. Nothing else checks
// that the cluster can lose a minority, since every earlier phase either
// injects faults freely (where stalls are allowed) or heals everything.
// The cut minority is drawn from the seed, so about as often as it holds
// the leader it does not; with the leader cut off, the rest must elect
// one of their own while the old leader, alone, must serve nothing stale
// (every oracle keeps watching).
type degraded struct {
	cut     []uint64 // the nodes cut off
	keys    []string // keys[i]: the key client i writes and then reads
	wrote   []bool   // wrote[i]: client i completed a write since the cut
	read    []bool   // read[i]: and then a read
	clients int      // that did both
}

// degradedPhase runs the phase and returns liveness's verdict after it:
// done unchanged if the rest served, else why not.
func (r *runner) degradedPhase(done checker.Result) (checker.Result, error) {
	w := r.c.World
	voters := r.c.Voters()
	minority := (len(voters) - 1) / 2
	if minority == 0 {
		return done, nil
	}
	pick := w.Seeds().Stream("degraded")
	order := pick.Perm(len(voters))
	d := &degraded{keys: make([]string, len(r.clients)), wrote: make([]bool, len(r.clients)), read: make([]bool, len(r.clients))}
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
	r.phase = degradedRunPhase
	cutAt := w.Now()
	for i, cl := range r.clients {
		w.After(0, func() { r.next(i, cl) })
	}
	window := r.cfg.livenessWindow()
	for w.Now() < cutAt+window && d.clients < len(r.clients) {
		if err := w.Run(min(cutAt+window, w.Now()+time.Millisecond)); err != nil {
			return checker.Result{}, err
		}
	}
	servedIn := w.Now() - cutAt
	r.phase = donePhase
	if err := w.RunFor(r.cfg.Client.OpTimeout); err != nil {
		return checker.Result{}, err
	}
	cut := strings.Join(d.names(r), ", ")
	if d.clients < len(r.clients) {
		details, _ := done.Details.(livenessDetails)
		details.MinorityCut = cut
		details.MinorityServed = fmt.Sprintf("%d of %d clients", d.clients, len(r.clients))
		return checker.Result{Valid: checker.Invalid, Details: details, Summary: fmt.Sprintf(
			"with a minority of the voters cut off (%s), %d of %d clients completed a write and a read within %d election timeouts: a majority of the voters was up and connected, so Raft must serve",
			cut, d.clients, len(r.clients), r.cfg.Liveness)}, nil
	}
	if details, ok := done.Details.(livenessDetails); ok {
		details.MinorityCut = cut
		details.MinorityServed = fmt.Sprintf("every client, in %v", servedIn)
		done.Details = details
	}
	done.Summary += fmt.Sprintf("; with a minority cut off (%s) the rest served every client a write and a read in %v", cut, servedIn)
	return done, nil
}

// names are the cut nodes' names.
func (d *degraded) names(r *runner) []string {
	out := make([]string, len(d.cut))
	for i, id := range d.cut {
		out[i] = r.c.World.Name(r.c.Addr(id))
	}
	return out
}

// op is client i's next operation in the phase: a write until one has
// completed, then a read, then nothing.
func (d *degraded) op(r *runner, i int) (workloads.Op, bool) {
	key := d.keys[i]
	read := r.work.Final(key)[0]
	switch {
	case !d.wrote[i]:
		// The workload's generator mixes reads and writes: draw until a
		// write (every workload's generator writes often; the tries only
		// bound the loop).
		for range 32 {
			if op := r.work.Next(r.rand, r.keys, key); op.F != read.F {
				return op, true
			}
		}
		return workloads.Op{}, false
	case !d.read[i]:
		return read, true
	}
	return workloads.Op{}, false
}

// completed notes client i's completion in the phase.
func (d *degraded) completed(i int, ok bool) {
	switch {
	case !ok:
	case !d.wrote[i]:
		d.wrote[i] = true
	case !d.read[i]:
		d.read[i] = true
		d.clients++
	}
}
