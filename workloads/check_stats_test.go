package workloads_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
	"raftcheck/workloads"
)

// A function that never succeeded in a run makes the run unknown, not
// invalid: the run cannot vouch for it, and that is no bug in Raft. The
// same history checked by `raftcheck check` keeps Jepsen's verdict for
// stats, which sets the exit code only when named.
func TestAFunctionThatNeverSucceededMakesARunUnknown(t *testing.T) {
	h := hist(t,
		"invoke write x 1 0 10",
		"ok write x 1 0 20",
		"invoke cas x [2,3] 1 30",
		"fail cas x [2,3] 1 40",
		"invoke read x null 0 50",
		"ok read x 1 0 60",
	)
	run, err := workloads.Check(h, "register", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, checker.Unknown, run.Results["stats"].Valid, run.Results["stats"].Summary)
	assert.Contains(t, run.Results["stats"].Summary, "cannot vouch for it")
	assert.Equal(t, checker.Unknown, run.Results.Valid())
	assert.Equal(t, checker.Valid, run.Results["linearizable"].Valid)

	outside, err := workloads.CheckModel(h, "cas-register", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, checker.Invalid, outside.Results["stats"].Valid, "Jepsen's rule, for whoever names stats")
	assert.Equal(t, []string{"linearizable"}, workloads.ModelCheckers("cas-register"))
	assert.Equal(t, []string{"linearizable", "counter"}, workloads.ModelCheckers("counter"))
	assert.Equal(t, []string{"linearizable", "list-append"}, workloads.ModelCheckers("append"))
}
