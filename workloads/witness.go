package workloads

import "raftcheck/checker"

// Witness is the order in which the system under test says it applied a
// history's operations, for the invocation event's index of each: a
// claimed linearization that the check verifies in one pass before it
// searches (checker.Op.Order). Our own service knows it: a write's place
// is its log entry, a read's the applied index it was answered at. An
// operation missing from it has no claim; a nil Witness claims nothing.
//
// A witness only ever saves the search: a claim that is not a
// linearization of the history is ignored, and the search decides.
type Witness map[int]uint64

// attachWitness sets each op's Order from w.
func attachWitness[I, O any](w Witness, ops []checker.Op[I, O]) {
	if len(w) == 0 {
		return
	}
	for i := range ops {
		ops[i].Order = w[ops[i].Invoke]
	}
}
