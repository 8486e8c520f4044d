package workloads

import (
	"fmt"
	"time"

	"raftcheck/checker"
)

// Checked is a history's verdicts: one result per checker, and the
// linearizability check itself, for its visualization.
type Checked struct {
	Results         checker.Results
	Linearizability *checker.Linearizability
}

// Check runs every checker that applies to a workload's history:
// linearizability with the workload's model, the workload's own checker
// (counter bounds, set membership, list prefixes; registers have none
// beyond linearizability), stats and perf. budget bounds the
// linearizability search; running out of it gives "unknown".
func Check(h checker.History, workload string, budget time.Duration) (*Checked, error) {
	return CheckWitnessed(h, workload, budget, nil)
}

// CheckWitnessed is Check with the order in which the system under test
// says it applied the operations, which spares the linearizability search
// whenever that order proves the history linearizable (see Witness).
func CheckWitnessed(h checker.History, workload string, budget time.Duration, witness Witness) (*Checked, error) {
	w, err := Lookup(workload)
	if err != nil {
		return nil, err
	}
	return checkModel(h, w.Model, budget, witness)
}

// CheckModel is Check for a model name (register, cas-register, counter,
// set, list-append), as `raftcheck check --model` takes it.
func CheckModel(h checker.History, model string, budget time.Duration) (*Checked, error) {
	return checkModel(h, model, budget, nil)
}

func checkModel(h checker.History, model string, budget time.Duration, witness Witness) (*Checked, error) {
	lin, ok := linearizable[model]
	if !ok {
		return nil, fmt.Errorf("unknown model %q (want register, cas-register, counter, set or list-append)", model)
	}
	l, err := lin(h, budget, witness)
	if err != nil {
		return nil, err
	}
	out := &Checked{Results: checker.Results{}, Linearizability: l}
	out.Results["linearizable"] = l.Result()
	switch model {
	case "counter":
		out.Results["counter"] = checker.CheckCounter(h)
	case "set":
		out.Results["set"] = checker.CheckSet(h)
	case "list-append", "append":
		out.Results["list-append"] = checker.CheckListAppend(h)
	}
	out.Results["stats"] = checker.Stats(h)
	out.Results["perf"] = checker.Perf(h)
	return out, nil
}
