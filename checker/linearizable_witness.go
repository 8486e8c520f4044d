package checker

import (
	"cmp"
	"slices"

	"github.com/anishathalye/porcupine"
)

// witnessed decides the key from the order its system under test claims
// (Op.Order), if that order is a linearization: then the key is
// linearizable, with that order as the proof, and no search is needed.
// It reports whether it decided the key. A claim that is incomplete or
// wrong decides nothing: the search then runs as if there were none, so a
// witness can only make a check faster, never change its verdict.
//
// The claim is complete when every operation whose output was observed has
// an Order; an info operation without one goes last (it never returns, so
// it may always be linearized after everything else, see
// Model.StepInfo). The claimed order is a linearization when every
// operation is legal in it (each step of the model accepts its observed
// output) and it respects real time: no operation comes after one that
// was invoked after it returned. Checking both takes one pass.
func (k *linKey) witnessed(model porcupine.Model) bool {
	order := make([]int, len(k.ops))
	for i, op := range k.ops {
		if op.rec.Order == 0 && op.rec.Known {
			return false
		}
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		oa, ob := k.ops[a].rec.Order, k.ops[b].rec.Order
		if (oa == 0) != (ob == 0) {
			if oa == 0 {
				return 1
			}
			return -1
		}
		if c := cmp.Compare(oa, ob); c != 0 {
			return c
		}
		return cmp.Compare(k.pops[a].Call, k.pops[b].Call)
	})
	state := model.Init()
	latestCall := int64(-1)
	for _, id := range order {
		p := &k.pops[id]
		// Some operation placed before this one was invoked after this
		// one returned: real time forbids that order.
		if p.Return < latestCall {
			return false
		}
		latestCall = max(latestCall, p.Call)
		var ok bool
		if ok, state = model.Step(state, p.Input, nil); !ok {
			return false
		}
	}
	k.result = porcupine.Ok
	k.partials = [][]int{order}
	k.byWitness = true
	return true
}
