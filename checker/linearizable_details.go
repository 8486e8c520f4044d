package checker

import (
	"cmp"
	"encoding/json"
	"slices"

	"github.com/anishathalye/porcupine"
)

// LinearizabilityDetails is what a linearizability check writes under its
// name in results.json.
type LinearizabilityDetails struct {
	// Ops is the number of operations checked: fail operations and info
	// reads are not among them. InfoOps of them have unknown outcomes.
	Ops     int `json:"ops"`
	InfoOps int `json:"info_ops"`
	Keys    int `json:"keys"`
	// InvalidKeyCount keys are not linearizable; InvalidKeys names the
	// first of them, earliest failure first.
	InvalidKeyCount int      `json:"invalid_key_count"`
	InvalidKeys     []string `json:"invalid_keys,omitempty"`
	// UnknownKeyCount keys could not be decided within the budget;
	// UnknownKeys names the first of them.
	UnknownKeyCount int      `json:"unknown_key_count"`
	UnknownKeys     []string `json:"unknown_keys,omitempty"`
	// WitnessedKeys were decided by the order the system under test
	// claimed (Op.Order), verified without a search.
	WitnessedKeys int `json:"witnessed_keys,omitempty"`
	// InfoPlacedKeys are the WitnessedKeys whose claimed order became a
	// linearization only once a search limited to it put in info
	// operations the system could not place.
	InfoPlacedKeys int `json:"info_placed_keys,omitempty"`
	// Budget is the time the check was allowed ("none": unlimited).
	Budget string `json:"budget"`
	// RetriedKeys were undecided within Budget and checked once more with
	// twice it; those still undecided are among UnknownKeys.
	RetriedKeys int `json:"retried_keys,omitempty"`
	// Failures says where the first invalid keys went wrong, earliest
	// failure first.
	Failures []LinearizationFailure `json:"failures,omitempty"`
}

// LinearizationFailure says where a key's history stops being
// linearizable: the longest linearizable prefix porcupine found, the state
// it leaves the object in, and the operations none of which can come next.
type LinearizationFailure struct {
	Key string `json:"key"`
	// Ops is the number of the key's operations; Linearized of them form
	// the longest linearizable prefix, which leaves the object in State.
	Ops        int    `json:"ops"`
	Linearized int    `json:"linearized"`
	State      string `json:"state"`
	// Illegal are operations that cannot be linearized next. The first is
	// the first illegal operation: the earliest to complete of those not
	// linearized, which had to take effect before it completed and cannot.
	// The others are concurrent with it, and cannot go next either.
	Illegal []IllegalOp `json:"illegal"`
}

// IllegalOp is an operation that cannot be linearized, named so that a
// report can point at it in the history.
type IllegalOp struct {
	// Op is the operation as the model describes it, e.g. "read() -> 4".
	Op      string          `json:"op"`
	F       string          `json:"f"`
	Value   json.RawMessage `json:"value"`
	Process Process         `json:"process"`
	// Invoke and Complete are the history indexes of the operation's
	// invocation and completion (-1: it never completed); InvokeTime and
	// CompleteTime their virtual times in nanoseconds.
	Invoke       int   `json:"invoke_index"`
	Complete     int   `json:"complete_index"`
	InvokeTime   int64 `json:"invoke_time"`
	CompleteTime int64 `json:"complete_time"`
	// Info is true for an operation whose outcome is unknown.
	Info bool `json:"info,omitempty"`
}

// How much the details list; the counts are always complete.
const (
	maxListedKeys = 20
	maxFailures   = 10
	maxIllegalOps = 5
)

// Details lists what the check found.
func (l *Linearizability) Details() LinearizabilityDetails {
	d := LinearizabilityDetails{Ops: l.ops, InfoOps: l.infoOps, Keys: len(l.keys), Budget: "none", RetriedKeys: l.retried}
	if l.budget > 0 {
		d.Budget = l.budget.String()
	}
	var failed []*linKey
	for _, k := range l.keys {
		if k.byWitness {
			d.WitnessedKeys++
		}
		if k.infoPlaced {
			d.InfoPlacedKeys++
		}
		switch k.valid() {
		case Invalid:
			failed = append(failed, k)
		case Unknown:
			d.UnknownKeyCount++
			if len(d.UnknownKeys) < maxListedKeys {
				d.UnknownKeys = append(d.UnknownKeys, k.key)
			}
		}
	}
	slices.SortStableFunc(failed, func(a, b *linKey) int {
		return cmp.Compare(a.failure.at(), b.failure.at())
	})
	d.InvalidKeyCount = len(failed)
	for i, k := range failed {
		if i < maxListedKeys {
			d.InvalidKeys = append(d.InvalidKeys, k.key)
		}
		if i < maxFailures {
			d.Failures = append(d.Failures, *k.failure)
		}
	}
	return d
}

// at orders failures: by the completion of the first illegal operation.
func (f *LinearizationFailure) at() int {
	if len(f.Illegal) == 0 {
		return -1
	}
	return f.Illegal[0].Complete
}

// sortedPartials are the key's partial linearizations, longest first, then
// in lexicographic order of operations: porcupine gathers them from a map.
func sortedPartials(k *linKey) [][]int {
	if k.result == "" {
		return nil
	}
	all := k.info.PartialLinearizations()
	if len(all) == 0 {
		return nil
	}
	ps := make([][]int, len(all[0]))
	for i, p := range all[0] {
		ps[i] = slices.Clone(p)
	}
	slices.SortFunc(ps, func(a, b []int) int {
		if c := cmp.Compare(len(b), len(a)); c != 0 {
			return c
		}
		return slices.Compare(a, b)
	})
	return ps
}

// findFailure finds where the key's longest partial linearization is
// stuck. None of the operations left out can be linearized next; the one
// that completes first had to be linearized before its completion, so it
// is the first illegal operation, and the others that could have gone
// before it (invoked before it completed) are reported with it.
func (k *linKey) findFailure(model porcupine.Model) *LinearizationFailure {
	f := &LinearizationFailure{Key: k.key, Ops: len(k.ops)}
	var prefix []int
	if len(k.partials) > 0 {
		prefix = k.partials[0]
	}
	in := make([]bool, len(k.ops))
	state := model.Init()
	for _, id := range prefix {
		in[id] = true
		_, state = model.Step(state, k.pops[id].Input, nil)
	}
	f.Linearized = len(prefix)
	f.State = model.DescribeState(state)
	first := int64(forever)
	for id, p := range k.pops {
		if !in[id] {
			first = min(first, p.Return)
		}
	}
	var next []int
	for id, p := range k.pops {
		if !in[id] && p.Call <= first {
			next = append(next, id)
		}
	}
	slices.SortFunc(next, func(a, b int) int {
		if c := cmp.Compare(k.pops[a].Return, k.pops[b].Return); c != 0 {
			return c
		}
		return cmp.Compare(k.pops[a].Call, k.pops[b].Call)
	})
	for _, id := range next[:min(len(next), maxIllegalOps)] {
		op := k.ops[id]
		r := &op.rec
		f.Illegal = append(f.Illegal, IllegalOp{
			Op: op.describe(), F: r.F, Value: r.Value, Process: r.Process,
			Invoke: r.Invoke, Complete: r.Complete, InvokeTime: r.Call, CompleteTime: r.Return,
			Info: !r.Known,
		})
	}
	return f
}
