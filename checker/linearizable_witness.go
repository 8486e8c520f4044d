package checker

import (
	"cmp"
	"slices"

	"github.com/anishathalye/porcupine"
)

// witnessed decides the key from the order its system under test claims
// (Op.Order), if that order, with the info operations it could not place
// put where they fit, is a linearization: then the key is linearizable,
// with that order as the proof, and no search of the whole is needed. It
// reports whether it decided the key. A claim that is incomplete or wrong
// decides nothing: the search then runs as if there were none, so a
// witness can only make a check faster, never change its verdict.
//
// The claim is complete when every operation whose output was observed has
// an Order. The claimed order is a linearization when every operation is
// legal in it (each step of the model accepts its observed output) and it
// respects real time: no operation comes after one that was invoked after
// it returned.
//
// An info operation without an Order (its system never saw it take
// effect, or could not say where) may have taken effect anywhere after it
// was invoked: it never returned. It goes last, where it is always
// allowed (see Model.StepInfo), unless the claimed order fails without
// it; then a search limited to the places those operations may take in
// the claimed order (placeInfo) looks for a linearization, and only if it
// finds none does the whole search run.
func (k *linKey) witnessed(model porcupine.Model) bool {
	var chain, unplaced []int
	for i, op := range k.ops {
		switch {
		case op.rec.Order != 0:
			chain = append(chain, i)
		case op.rec.Known:
			return false // no claim for an operation that was seen
		default:
			unplaced = append(unplaced, i)
		}
	}
	slices.SortFunc(chain, func(a, b int) int {
		if c := cmp.Compare(k.ops[a].rec.Order, k.ops[b].rec.Order); c != 0 {
			return c
		}
		return cmp.Compare(k.pops[a].Call, k.pops[b].Call)
	})
	slices.SortFunc(unplaced, func(a, b int) int { return cmp.Compare(k.pops[a].Call, k.pops[b].Call) })
	order, ok := k.inOrder(model, chain, unplaced)
	if !ok {
		if order, ok = k.placeInfo(model, chain, unplaced); !ok {
			return false
		}
		k.infoPlaced = true
	}
	k.result = porcupine.Ok
	k.partials = [][]int{order}
	k.byWitness = true
	return true
}

// inOrder checks the claimed chain with every unplaced info operation
// after it, in one pass.
func (k *linKey) inOrder(model porcupine.Model, chain, unplaced []int) ([]int, bool) {
	order := append(slices.Clip(chain), unplaced...)
	state := model.Init()
	latestCall := int64(-1)
	for _, id := range order {
		p := &k.pops[id]
		// Some operation placed before this one was invoked after this
		// one returned: real time forbids that order.
		if p.Return < latestCall {
			return nil, false
		}
		latestCall = max(latestCall, p.Call)
		var ok bool
		if ok, state = model.Step(state, p.Input, nil); !ok {
			return nil, false
		}
	}
	return order, true
}

// Bounds of placeInfo: it tries the info operations the witness could not
// place only when there are few (each may go in or stay out at every
// place, 2^n sets), and gives up after a bounded number of steps; the
// whole search then decides.
const (
	maxPlacedInfo  = 12
	maxPlacedSteps = 1 << 18
)

// placeInfo searches for a linearization that keeps the claimed chain's
// order and puts each unplaced info operation somewhere in it or after it:
// a depth-first search over (place in the chain, info operations put so
// far, the model's state), which never visits a pair with a state it has
// seen there before. An info operation u may go just before chain[i] only
// if it was invoked before every operation from chain[i] on returned (real
// time; it never returned itself, so nothing after it constrains it). Info
// operations not put in the chain go after it, in the order they were
// invoked, where they are always allowed. (The chain's own real-time check
// would refuse a u put in too early one step later; minReturn prunes it
// at once.)
func (k *linKey) placeInfo(model porcupine.Model, chain, unplaced []int) ([]int, bool) {
	if len(unplaced) == 0 || len(unplaced) > maxPlacedInfo {
		return nil, false
	}
	n := len(chain)
	// minReturn[i] is the earliest return among chain[i:].
	minReturn := make([]int64, n+1)
	minReturn[n] = forever
	for i := n - 1; i >= 0; i-- {
		minReturn[i] = min(minReturn[i+1], k.pops[chain[i]].Return)
	}
	type visit struct {
		at  int
		put uint32
	}
	seen := map[visit][]any{}
	steps := 0
	path := make([]int, 0, n+len(unplaced))
	var search func(at int, put uint32, latestCall int64, state any) bool
	search = func(at int, put uint32, latestCall int64, state any) bool {
		if steps++; steps > maxPlacedSteps {
			return false
		}
		v := visit{at, put}
		for _, s := range seen[v] {
			// Each comparison counts as a step: states of lists differ
			// by every order of their appends, and a place can gather
			// many.
			if steps++; steps > maxPlacedSteps || model.Equal(s, state) {
				return false
			}
		}
		seen[v] = append(seen[v], state)
		if at == n {
			// The rest after the chain, where they are always allowed
			// (Model.StepInfo accepts an unknown outcome in any state).
			s, from := state, len(path)
			for j, u := range unplaced {
				if put&(1<<j) != 0 {
					continue
				}
				var ok bool
				if ok, s = model.Step(s, k.pops[u].Input, nil); !ok {
					path = path[:from]
					return false
				}
				path = append(path, u)
			}
			return true
		}
		// The chain's next operation first: the claim as it stands.
		if p := &k.pops[chain[at]]; p.Return >= latestCall {
			if ok, next := model.Step(state, p.Input, nil); ok {
				path = append(path, chain[at])
				if search(at+1, put, max(latestCall, p.Call), next) {
					return true
				}
				path = path[:len(path)-1]
			}
		}
		for j, u := range unplaced {
			p := &k.pops[u]
			if put&(1<<j) != 0 || p.Call > minReturn[at] {
				continue
			}
			if ok, next := model.Step(state, p.Input, nil); ok {
				path = append(path, u)
				if search(at, put|1<<j, max(latestCall, p.Call), next) {
					return true
				}
				path = path[:len(path)-1]
			}
		}
		return false
	}
	if !search(0, 0, -1, model.Init()) {
		return nil, false
	}
	return path, true
}
