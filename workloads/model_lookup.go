package workloads

import (
	"sort"
	"time"

	"raftcheck/checker"
)

type linearizableCheck func(checker.History, time.Duration, Witness) (*checker.Linearizability, error)

var linearizable = map[string]linearizableCheck{
	"register":     checkRegister,
	"cas-register": checkRegister,
	"counter":      checkCounter,
	"set":          checkSet,
	"list-append":  checkListAppend,
	"append":       checkListAppend,
}

// Linearizable finds the linearizability check of a model by name:
// register (or cas-register), counter, set, list-append (or append).
// The check's error is for a history it cannot read as the model's (an
// unknown f, a malformed value); a history that is not linearizable is a
// verdict, not an error.
func Linearizable(model string) (func(h checker.History, budget time.Duration) (*checker.Linearizability, error), bool) {
	f, ok := linearizable[model]
	if !ok {
		return nil, false
	}
	return func(h checker.History, budget time.Duration) (*checker.Linearizability, error) {
		return f(h, budget, nil)
	}, true
}

// LinearizableModels lists the names Linearizable knows, aliases
// included, sorted.
func LinearizableModels() []string {
	names := make([]string, 0, len(linearizable))
	for n := range linearizable {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
