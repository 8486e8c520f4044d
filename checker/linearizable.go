package checker

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/anishathalye/porcupine"
)

// Linearizability is the outcome of CheckLinearizable: a verdict per key,
// what was found, and what Visualize needs to draw it.
type Linearizability struct {
	model   porcupine.Model
	keys    []*linKey // in the order each key first appears
	tl      timeline
	ops     int
	infoOps int
	// retried counts the keys the first budget left undecided, checked
	// again with twice the budget.
	retried int
	budget  time.Duration
	elapsed time.Duration
}

// linKey is the check of one key.
type linKey struct {
	key string
	ops []*linOp
	idx []int // of ops in the whole check
	// pops are ops for porcupine, in the same order: porcupine names an
	// operation by its position here.
	pops []porcupine.Operation
	// result is porcupine's verdict; empty if the budget ran out before
	// this key was started.
	result porcupine.CheckResult
	info   porcupine.LinearizationInfo // until partials are taken from it
	// partials are porcupine's partial linearizations of the key, longest
	// first (ties: lexicographically by operation), so reports are the same
	// on every run.
	partials [][]int
	failure  *LinearizationFailure
	// byWitness says the key was decided by the order its system under
	// test claimed (witnessed), without a search.
	byWitness bool
	// infoPlaced says the witness decided the key only once a search put
	// info operations it could not place into its order (placeInfo).
	infoPlaced bool
}

// CheckLinearizable checks that ops, a history's client operations, are
// linearizable with respect to m, key by key (see Model for why keys are
// checked alone), within budget.
//
// Linearizability is NP-hard to check, so the check has a wall-clock
// budget for the whole history; a budget of zero or less means none. A key
// that porcupine could not decide within it, or could not start, is
// unknown, and so is the history unless some key is invalid: running out of
// time is never reported as valid. Keys are checked in parallel, on as many
// goroutines as GOMAXPROCS.
//
// CheckLinearizable panics on a programming error: a Model without Init or
// Step, an operation that is not Known with a Model without StepInfo, or an
// operation that completes before it was invoked.
func CheckLinearizable[S, I, O any](ops []Op[I, O], m Model[S, I, O], budget time.Duration) *Linearizability {
	start := time.Now()
	l := &Linearizability{model: porcupineModel(m), budget: budget}
	own := make([]Op[I, O], len(ops)) // so that the caller may reuse ops
	copy(own, ops)
	lops := make([]*linOp, len(own))
	byKey := map[string]*linKey{}
	for i := range own {
		op := &own[i]
		lops[i] = newLinOp(m, op)
		k := byKey[op.Key]
		if k == nil {
			k = &linKey{key: op.Key}
			byKey[op.Key] = k
			l.keys = append(l.keys, k)
		}
		k.ops = append(k.ops, lops[i])
		k.idx = append(k.idx, i)
		if !op.Known {
			l.infoOps++
		}
	}
	l.ops = len(own)
	tl, call, ret := rank(lops)
	l.tl = tl
	clients := clientIDs(lops)
	for _, k := range l.keys {
		k.pops = make([]porcupine.Operation, len(k.ops))
		for j, op := range k.ops {
			i := k.idx[j]
			k.pops[j] = porcupine.Operation{
				ClientId: clients[op.rec.Process],
				Input:    op,
				Call:     call[i],
				Return:   ret[i],
			}
		}
	}
	l.run(start, budget)
	for _, k := range l.keys {
		if k.byWitness {
			continue
		}
		k.partials = sortedPartials(k)
		k.info = porcupine.LinearizationInfo{} // all that is needed of it is in partials
		if k.result == porcupine.Illegal {
			k.failure = k.findFailure(l.model)
		}
	}
	l.elapsed = time.Since(start)
	return l
}

// run checks every key, in parallel, until the budget from start runs out.
// The keys it leaves undecided are checked once more, with twice the
// budget: a budget is wall-clock time, so whether a hard key is decided
// depends on how busy the machine is, and a second chance makes the
// verdict depend on it less. A key still undecided is unknown. When some
// key is already invalid there is no retry: the verdict is invalid.
func (l *Linearizability) run(start time.Time, budget time.Duration) {
	var deadline time.Time
	if budget > 0 {
		deadline = start.Add(budget)
	}
	l.checkKeys(l.keys, deadline, true)
	if budget <= 0 {
		return
	}
	var undecided []*linKey
	for _, k := range l.keys {
		switch k.valid() {
		case Unknown:
			undecided = append(undecided, k)
		case Invalid:
			return // the verdict is invalid whatever the rest decide
		}
	}
	if len(undecided) > 0 {
		l.retried = len(undecided)
		l.checkKeys(undecided, time.Now().Add(2*budget), false)
	}
}

// checkKeys checks keys in parallel until deadline; first says whether
// a key may still be decided by its witness.
func (l *Linearizability) checkKeys(keys []*linKey, deadline time.Time, first bool) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(keys)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(keys) {
					return
				}
				if !first || !keys[i].witnessed(l.model) {
					keys[i].check(l.model, deadline)
				}
			}
		})
	}
	wg.Wait()
}

func (k *linKey) check(model porcupine.Model, deadline time.Time) {
	var timeout time.Duration // porcupine: zero is no timeout
	if !deadline.IsZero() {
		timeout = time.Until(deadline)
		if timeout <= 0 {
			return // unknown: never started
		}
	}
	k.result, k.info = porcupine.CheckOperationsVerbose(model, k.pops, timeout)
}

// clientIDs numbers the processes of ops densely, in process order:
// porcupine draws one row per client id from zero up to the largest.
func clientIDs(ops []*linOp) map[Process]int {
	ids := map[Process]int{}
	var ps []Process
	for _, op := range ops {
		if _, ok := ids[op.rec.Process]; !ok {
			ids[op.rec.Process] = 0
			ps = append(ps, op.rec.Process)
		}
	}
	slices.Sort(ps)
	for i, p := range ps {
		ids[p] = i
	}
	return ids
}

// Valid is the verdict: invalid if any key is, else unknown if any key
// could not be decided within the budget, else valid.
func (l *Linearizability) Valid() Validity {
	out := Valid
	for _, k := range l.keys {
		out = Merge(out, k.valid())
	}
	return out
}

func (k *linKey) valid() Validity {
	switch k.result {
	case porcupine.Ok:
		return Valid
	case porcupine.Illegal:
		return Invalid
	}
	return Unknown
}

// Elapsed is the wall time the check took.
func (l *Linearizability) Elapsed() time.Duration { return l.elapsed }

// Result is the verdict with a one-line summary and LinearizabilityDetails.
func (l *Linearizability) Result() Result {
	d := l.Details()
	r := Result{Valid: l.Valid(), Details: d}
	info := ""
	if l.infoOps > 0 {
		info = fmt.Sprintf(" (%d info)", l.infoOps)
	}
	keys := func(n int) string {
		if n == 1 {
			return "1 key"
		}
		return fmt.Sprintf("%d keys", n)
	}
	switch r.Valid {
	case Valid:
		r.Summary = fmt.Sprintf("linearizable: %d ops%s over %s", l.ops, info, keys(len(l.keys)))
	case Invalid:
		r.Summary = fmt.Sprintf("not linearizable: %d of %s invalid", d.InvalidKeyCount, keys(len(l.keys)))
		if len(d.Failures) > 0 && len(d.Failures[0].Illegal) > 0 {
			f := d.Failures[0]
			first := f.Illegal[0]
			where := ""
			if f.Key != "" {
				where = fmt.Sprintf("key %q: ", f.Key)
			}
			r.Summary = fmt.Sprintf("not linearizable: %s%s by process %v (events %d-%d) cannot be linearized after %d of the key's %d ops (%d of %s invalid)",
				where, first.Op, first.Process, first.Invoke, first.Complete, f.Linearized, f.Ops, d.InvalidKeyCount, keys(len(l.keys)))
		}
	default:
		r.BudgetExhausted = true
		r.Summary = fmt.Sprintf("unknown: budget %v ran out, and again on a retry with %v, with %d of %s undecided (a wall-clock budget: another machine may decide it)",
			l.budget, 2*l.budget, d.UnknownKeyCount, keys(len(l.keys)))
	}
	return r
}
