package maelstrom_test

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
	"raftcheck/harness/maelstrom"
	"raftcheck/workloads"
)

// subject builds the test subject (testdata/subject) once per test.
func subject(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "subject")
	out, err := exec.Command("go", "build", "-o", bin, "./testdata/subject").CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

func config(bin, mode string, seed uint64) maelstrom.Config {
	cfg := maelstrom.DefaultConfig(seed)
	cfg.Bin, cfg.Args = bin, []string{"-mode", mode}
	cfg.Time = 3 * time.Second
	cfg.Rate = 100
	cfg.OpTimeout = 500 * time.Millisecond
	cfg.Nemesis.Interval = 500 * time.Millisecond
	cfg.Nemesis.Kinds = []string{"partition", "partition-one", "packet-delay", "packet-duplicate", "pause-one"}
	return cfg
}

// requireGone fails unless every process the run started has ended.
func requireGone(t *testing.T, out *maelstrom.Outcome) {
	t.Helper()
	require.NotEmpty(t, out.PIDs)
	for _, pid := range out.PIDs {
		err := syscall.Kill(pid, 0)
		assert.True(t, errors.Is(err, syscall.ESRCH), "process %d still exists (%v)", pid, err)
	}
}

func linearizable(t *testing.T, h checker.History) checker.Validity {
	t.Helper()
	checked, err := workloads.Check(h, "register", time.Minute)
	require.NoError(t, err)
	r := checked.Results["linearizable"]
	t.Logf("linearizable: %s", r.Summary)
	return r.Valid
}

// The correct subject (one copy of the map, on n1, every request forwarded
// to it) is linearizable under partitions, packet faults and pauses, and
// every process is gone after the run.
func TestACorrectSubjectIsValid(t *testing.T) {
	bin := subject(t)
	out, err := maelstrom.Run(context.Background(), config(bin, "forward", 1), t.TempDir())
	require.NoError(t, err)
	assert.Empty(t, out.Problems)
	assert.Greater(t, len(out.History.Operations()), 50, "the clients did work")
	assert.Equal(t, checker.Valid, linearizable(t, out.History))
	assert.NotEmpty(t, out.Faults, "the nemesis acted")
	requireGone(t, out)
}

// The buggy subject answers reads from copies n1 updates when it can: under
// partitions and packet loss the copies fall behind, and Porcupine sees the
// stale reads within a few seeds (two of three, measured; the processes'
// timing is not the seed's, so the test allows five).
func TestABuggySubjectIsCaught(t *testing.T) {
	bin := subject(t)
	for seed := uint64(1); seed <= 5; seed++ {
		cfg := config(bin, "local-reads", seed)
		cfg.Time, cfg.Rate = 4*time.Second, 200
		cfg.Nemesis.Kinds = []string{"partition-one", "packet-loss"}
		cfg.Nemesis.Interval, cfg.Nemesis.MaxActive = time.Second, 2
		out, err := maelstrom.Run(context.Background(), cfg, t.TempDir())
		require.NoError(t, err)
		assert.Empty(t, out.Problems)
		requireGone(t, out)
		if linearizable(t, out.History) == checker.Invalid {
			t.Logf("caught at seed %d", seed)
			return
		}
	}
	t.Fatal("the local reads were not caught in 5 seeds")
}

// A node that writes garbage, exits at once, or never answers init gets
// one clear line, and the run ends at once: no hang, nothing left running.
func TestABrokenSubjectGivesAClearResult(t *testing.T) {
	bin := subject(t)
	for _, tc := range []struct{ mode, want string }{
		{"garbage", "wrote a malformed line"},
		{"exit", "exited on its own"},
		{"no-init", "never answered init"},
	} {
		cfg := config(bin, tc.mode, 1)
		cfg.InitTimeout = time.Second
		began := time.Now()
		out, err := maelstrom.Run(context.Background(), cfg, t.TempDir())
		require.NoError(t, err, tc.mode)
		require.NotEmpty(t, out.Problems, tc.mode)
		assert.Contains(t, out.Problems[0], tc.want, tc.mode)
		assert.Less(t, time.Since(began), 10*time.Second, "%s: the run ended promptly", tc.mode)
		requireGone(t, out)
	}
}

// Cancelling the run (SIGINT, in the command) ends it and its processes.
func TestACancelledRunLeavesNoProcess(t *testing.T) {
	bin := subject(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	cfg := config(bin, "forward", 2)
	cfg.Time = time.Minute
	out, err := maelstrom.Run(ctx, cfg, t.TempDir())
	require.NoError(t, err)
	assert.Less(t, out.Took, 15*time.Second)
	requireGone(t, out)
}

func TestBadConfigurationsAreRefused(t *testing.T) {
	bin := subject(t)
	cfg := config(bin, "forward", 1)
	cfg.Nemesis.Kinds = []string{"clock-bump"}
	_, err := maelstrom.Run(context.Background(), cfg, t.TempDir())
	assert.ErrorContains(t, err, "does not apply to processes")
	cfg = config(filepath.Join(t.TempDir(), "missing"), "forward", 1)
	_, err = maelstrom.Run(context.Background(), cfg, t.TempDir())
	assert.ErrorContains(t, err, "--bin")
}
