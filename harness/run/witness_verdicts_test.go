package run_test

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
	"raftcheck/harness/kv"
	"raftcheck/harness/raftnode"
	"raftcheck/harness/run"
	"raftcheck/workloads"
)

// witnessSeeds is how many swarm seeds TestTheWitnessNeverChangesAVerdict
// runs per build, from which: RAFTCHECK_WITNESS_SEEDS (a few for make
// test; make witness-sweep runs thousands) from RAFTCHECK_WITNESS_FIRST
// (1), so that sweeps can share the seeds out.
func witnessSeeds(t *testing.T) (first, n uint64) {
	first, n = 1, 4
	for _, v := range []struct {
		name string
		to   *uint64
	}{{"RAFTCHECK_WITNESS_SEEDS", &n}, {"RAFTCHECK_WITNESS_FIRST", &first}} {
		if s := os.Getenv(v.name); s != "" {
			var err error
			*v.to, err = strconv.ParseUint(s, 10, 64)
			require.NoError(t, err, v.name)
		}
	}
	return first, n
}

// The witness only spares a search: over swarm seeds of the correct build
// and of builds with planted bugs that break linearizability, every
// checker's verdict is the same with the service's order as without it.
func TestTheWitnessNeverChangesAVerdict(t *testing.T) {
	builds := []struct{ raftBug, serverBug string }{
		{},
		{serverBug: kv.BugLeaderReads},
		{serverBug: kv.BugReadBeforeApply},
		{serverBug: kv.BugNoDedup},
		{raftBug: raftnode.BugAckBeforeFsync},
	}
	first, seeds := witnessSeeds(t)
	differ, invalid := 0, 0
	for _, b := range builds {
		buildDiffer, buildInvalid := differ, invalid
		for seed := first; seed < first+seeds; seed++ {
			cfg := run.DefaultConfig(seed)
			cfg.UseSwarm()
			cfg.Raft.Bug, cfg.Server.Bug = b.raftBug, b.serverBug
			cfg.Trace = false
			out, err := run.Execute(cfg)
			require.NoError(t, err)
			with, err := workloads.CheckWitnessed(out.History, cfg.Workload, time.Minute, out.Witness)
			require.NoError(t, err)
			without, err := workloads.Check(out.History, cfg.Workload, time.Minute)
			require.NoError(t, err)
			for name, r := range without.Results {
				w := with.Results[name]
				if r.Valid == checker.Invalid {
					invalid++
				}
				if !assert.Equal(t, r.Valid, w.Valid, "%s%s seed %d: %s: without the witness %q, with it %q", b.raftBug, b.serverBug, seed, name, r.Summary, w.Summary) {
					differ++
				}
			}
		}
		t.Logf("build %q: %d seeds, %d verdicts differ, %d checker verdicts invalid", b.raftBug+b.serverBug, seeds, differ-buildDiffer, invalid-buildInvalid)
	}
	t.Log(fmt.Sprintf("%d builds x %d seeds: %d verdicts differ; %d checker verdicts invalid", len(builds), seeds, differ, invalid))
}
