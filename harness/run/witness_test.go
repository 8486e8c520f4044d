package run_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
	"raftcheck/harness/run"
	"raftcheck/workloads"
)

// On a correct build the service's own order of its operations proves
// every key of every workload linearizable, so no key needs a search.
func TestTheServicesOrderWitnessesEveryKey(t *testing.T) {
	for _, workload := range []string{"register", "counter", "set", "append"} {
		for seed := uint64(1); seed <= 3; seed++ {
			t.Run(fmt.Sprintf("%s/%d", workload, seed), func(t *testing.T) {
				cfg := run.DefaultConfig(seed)
				cfg.UseSwarm()
				cfg.Workload = workload
				out, err := run.Execute(cfg)
				require.NoError(t, err)
				checked, err := workloads.CheckWitnessed(out.History, workload, 0, out.Witness)
				require.NoError(t, err)
				d := checked.Linearizability.Details()
				assert.Equal(t, checker.Valid, checked.Results["linearizable"].Valid)
				assert.Equal(t, d.Keys, d.WitnessedKeys, "keys the service's order did not prove")
			})
		}
	}
}

// The service's order never makes a wrong history pass: a read that
// returns what nobody wrote is not proved by it, and the search finds the
// history not linearizable.
func TestAWitnessNeverHidesAWrongRead(t *testing.T) {
	cfg := run.DefaultConfig(1)
	cfg.Workload = "register"
	out, err := run.Execute(cfg)
	require.NoError(t, err)
	h := append(checker.History(nil), out.History...)
	// The first ok read is made to return a value nobody wrote.
	for i := range h {
		if h[i].Type == checker.OK && h[i].F == "read" {
			h[i].Value = checker.Value(-7)
			break
		}
	}
	checked, err := workloads.CheckWitnessed(h, "register", 0, out.Witness)
	require.NoError(t, err)
	assert.Equal(t, checker.Invalid, checked.Results["linearizable"].Valid)
}
