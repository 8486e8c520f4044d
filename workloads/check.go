package workloads

import (
	"fmt"
	"slices"
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
	return CheckWitnessedWith(h, workload, budget, witness, nil)
}

// CheckWitnessedWith is CheckWitnessed for a history some of whose keys
// were checked as they retired and evicted (nil: none): their model
// checks passed, their operations count in stats and perf, and the model
// checkers' summaries say how many there were.
func CheckWitnessedWith(h checker.History, workload string, budget time.Duration, witness Witness, evicted *Evicted) (*Checked, error) {
	w, err := Lookup(workload)
	if err != nil {
		return nil, err
	}
	c, err := checkModel(h, w.Model, budget, witness, ModelOptions{}, evicted)
	if err != nil {
		return nil, err
	}
	// Jepsen's stats rule, that a function which never once succeeded
	// makes the run invalid, catches a test that did nothing. But a run's
	// own settings can make a function impossible (a key retired after one
	// operation never holds what a cas expects; a second's run at one
	// operation a second may see no ok at all), and that is no bug in the
	// system: such a run cannot vouch for the function, so its verdict is
	// unknown, never valid and never invalid.
	if st := c.Results["stats"]; st.Valid == checker.Invalid {
		st.Valid = checker.Unknown
		st.Summary += ": the run exercised none of it, so it cannot vouch for it (unknown, not a bug)"
		c.Results["stats"] = st
	}
	return c, nil
}

// CheckModel is Check for a model name (register, cas-register, counter,
// set, list-append), as `raftcheck check --model` takes it.
func CheckModel(h checker.History, model string, budget time.Duration) (*Checked, error) {
	return checkModel(h, model, budget, nil, ModelOptions{}, nil)
}

// ModelOptions are a model's semantics where histories written elsewhere
// differ from ours; the zero value is ours.
type ModelOptions struct {
	// Register applies to register and cas-register.
	Register RegisterSemantics
}

// CheckModelWith is CheckModel with the model's semantics given.
func CheckModelWith(h checker.History, model string, opts ModelOptions, budget time.Duration) (*Checked, error) {
	return checkModel(h, model, budget, nil, opts, nil)
}

// ModelCheckers are the checkers whose verdict is a model's own: its
// linearizability and, where there is one, the workload's checker. stats
// and perf describe a history and judge nothing of the model.
func ModelCheckers(model string) []string {
	switch model {
	case "counter", "set":
		return []string{"linearizable", model}
	case "list-append", "append":
		return []string{"linearizable", "list-append"}
	}
	return []string{"linearizable"}
}

func checkModel(h checker.History, model string, budget time.Duration, witness Witness, opts ModelOptions, evicted *Evicted) (*Checked, error) {
	out, h, err := checkModelOnly(h, model, budget, witness, opts)
	if err != nil {
		return nil, err
	}
	var more *checker.OpSamples
	if evicted != nil {
		more = &evicted.samples
		if evicted.Keys > 0 {
			gone := fmt.Sprintf("%d %s (%d operations) %s: all passed", evicted.Keys, plural(evicted.Keys, "key", "keys"), evicted.samples.Operations(), evicted.how())
			clients := slices.ContainsFunc(h, func(e checker.Event) bool { return e.Process != checker.Nemesis })
			for _, name := range ModelCheckers(model) {
				r := out.Results[name]
				if clients {
					r.Summary += "; and " + gone
				} else {
					// Every key was checked before: what is left has
					// nothing for the model's checkers to judge.
					r = checker.Result{Valid: checker.Valid, Summary: name + ": " + gone}
				}
				out.Results[name] = r
			}
		}
	}
	out.Results["stats"] = checker.StatsWith(h, more)
	out.Results["perf"] = checker.PerfWith(h, more)
	return out, nil
}

// checkModelOnly runs the model's checkers (ModelCheckers) and returns the
// history as given, for stats and perf.
func checkModelOnly(h checker.History, model string, budget time.Duration, witness Witness, opts ModelOptions) (*Checked, checker.History, error) {
	lin, ok := linearizable[model]
	if !ok {
		return nil, nil, fmt.Errorf("unknown model %q (want register, cas-register, counter, set or list-append)", model)
	}
	if model == "register" || model == "cas-register" {
		lin = func(h checker.History, budget time.Duration, w Witness) (*checker.Linearizability, error) {
			return checkRegisterWith(h, budget, w, opts.Register)
		}
	}
	given := h
	// The file's order is the real-time order (Jepsen's, Knossos's);
	// :time is for display, and may go back a little.
	h, _ = h.InFileOrder()
	l, err := lin(h, budget, witness)
	if err != nil {
		return nil, nil, err
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
	return out, given, nil
}

// CheckRetired checks one retired key's events by the workload's model
// checkers (ModelCheckers), with the system's order of them: what a long
// run checks before it evicts a key's events (Evicted). Stats and perf
// are left to the whole run.
func CheckRetired(h checker.History, workload string, budget time.Duration, witness Witness) (checker.Results, error) {
	w, err := Lookup(workload)
	if err != nil {
		return nil, err
	}
	c, _, err := checkModelOnly(h, w.Model, budget, witness, ModelOptions{})
	if err != nil {
		return nil, err
	}
	return c.Results, nil
}

// Evicted is what a long run's evicted keys leave behind: how many there
// were, and what stats and perf need of their operations.
type Evicted struct {
	Keys    int
	samples checker.OpSamples
	// streamed: the keys were checked as a history file was read
	// (CheckModelByKey), not as a run retired them.
	streamed bool
}

func (e *Evicted) how() string {
	if e.streamed {
		return "checked as each one's last event was read, and dropped from memory"
	}
	return "checked as they retired, before their events were evicted from memory"
}

// Add counts a key's events in, once its model checks passed.
func (e *Evicted) Add(h checker.History) {
	e.Keys++
	e.samples.Add(h)
}

// Operations is how many operations the evicted keys had.
func (e *Evicted) Operations() int { return e.samples.Operations() }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
