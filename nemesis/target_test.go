package nemesis_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/nemesis"
)

// fakeTarget is a Target with no simulation behind it: a clock, a queue of
// calls, links, node states, and switches that make whole groups of
// operations unsupported. It is what the nemesis sees of a system that is
// not the simulated cluster.
type fakeTarget struct {
	names  []string
	states map[string]nemesis.NodeState
	cut    map[[2]string]bool
	leader string
	now    time.Duration
	queue  []queued
	seq    int
	rand   *rand.Rand
	notes  []string
	// slowDisks is each slowed node's fsync latency (zero: restored).
	slowDisks map[string]nemesis.Latency

	noClocks, noPackets, noMembers bool
	// noRejoin: a wiped node may not rejoin as itself (etcd).
	noRejoin bool
	config   *nemesis.Configuration
	changes  []string
	// failCrash makes the crash of this node fail (not unsupported).
	failCrash string
	links     nemesis.LinkFaults
	disk      nemesis.DiskFaults
}

type queued struct {
	at  time.Duration
	seq int
	f   func()
}

func newFakeTarget(n int) *fakeTarget {
	t := &fakeTarget{states: map[string]nemesis.NodeState{}, cut: map[[2]string]bool{}, rand: rand.New(rand.NewPCG(1, 2))}
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("n%d", i)
		t.names = append(t.names, name)
		t.states[name] = nemesis.NodeUp
	}
	t.leader = t.names[0]
	return t
}

// run runs the queued calls in (time, sequence) order until the given time.
func (t *fakeTarget) run(until time.Duration) {
	for len(t.queue) > 0 {
		sort.Slice(t.queue, func(i, j int) bool {
			if t.queue[i].at != t.queue[j].at {
				return t.queue[i].at < t.queue[j].at
			}
			return t.queue[i].seq < t.queue[j].seq
		})
		next := t.queue[0]
		if next.at > until {
			break
		}
		t.queue = t.queue[1:]
		t.now = next.at
		next.f()
	}
	t.now = until
}

var errNoSuchNode = errors.New("fake: no such node")

func (t *fakeTarget) check(node string) error {
	if _, ok := t.states[node]; !ok {
		return errNoSuchNode
	}
	return nil
}

func (t *fakeTarget) Nodes() []string { return t.names }
func (t *fakeTarget) Leader() (string, bool) {
	return t.leader, t.leader != "" && t.states[t.leader] == nemesis.NodeUp
}
func (t *fakeTarget) State(node string) nemesis.NodeState { return t.states[node] }
func (t *fakeTarget) Now() time.Duration                  { return t.now }
func (t *fakeTarget) After(d time.Duration, f func()) {
	t.seq++
	t.queue = append(t.queue, queued{at: t.now + d, seq: t.seq, f: f})
}
func (t *fakeTarget) Note(format string, args ...any) {
	t.notes = append(t.notes, fmt.Sprintf(format, args...))
}
func (t *fakeTarget) Random() nemesis.Rand { return fakeRand{t.rand} }

// The fake shows no Raft state: the directed scenarios are unsupported.
func (t *fakeTarget) Status(string) (nemesis.NodeStatus, error) {
	return nemesis.NodeStatus{}, fmt.Errorf("fake: status: %w", nemesis.ErrUnsupported)
}

func (t *fakeTarget) Cut(from, to string) error {
	if err := errors.Join(t.check(from), t.check(to)); err != nil {
		return err
	}
	t.cut[[2]string{from, to}] = true
	return nil
}

func (t *fakeTarget) Connect(from, to string) error {
	if err := errors.Join(t.check(from), t.check(to)); err != nil {
		return err
	}
	delete(t.cut, [2]string{from, to})
	return nil
}

func (t *fakeTarget) Crash(node string) error {
	if node == t.failCrash {
		return errors.New("fake: the process would not die")
	}
	return t.set(node, nemesis.NodeDown)
}
func (t *fakeTarget) Restart(node string) error { return t.set(node, nemesis.NodeUp) }
func (t *fakeTarget) Pause(node string) error   { return t.set(node, nemesis.NodePaused) }
func (t *fakeTarget) Resume(node string) error  { return t.set(node, nemesis.NodeUp) }

func (t *fakeTarget) set(node string, s nemesis.NodeState) error {
	if err := t.check(node); err != nil {
		return err
	}
	t.states[node] = s
	return nil
}

var errNoClocks = fmt.Errorf("fake: clocks: %w", nemesis.ErrUnsupported)

func (t *fakeTarget) Clock(string) (time.Duration, nemesis.PPM, error) {
	if t.noClocks {
		return 0, 0, errNoClocks
	}
	return 0, 0, nil
}
func (t *fakeTarget) JumpClock(string, time.Duration) error {
	if t.noClocks {
		return errNoClocks
	}
	return nil
}
func (t *fakeTarget) SetClockRate(string, nemesis.PPM) error {
	if t.noClocks {
		return errNoClocks
	}
	return nil
}

func (t *fakeTarget) SetLinkFaults(f nemesis.LinkFaults) error {
	if t.noPackets {
		return fmt.Errorf("fake: packet faults: %w", nemesis.ErrUnsupported)
	}
	t.links = f
	return nil
}

func (t *fakeTarget) SetDiskFaults(f nemesis.DiskFaults) error {
	t.disk = f
	return nil
}

func (t *fakeTarget) SlowDisk(node string, lat nemesis.Latency) error {
	if err := t.check(node); err != nil {
		return err
	}
	if t.slowDisks == nil {
		t.slowDisks = map[string]nemesis.Latency{}
	}
	t.slowDisks[node] = lat
	return nil
}

func (t *fakeTarget) CorruptDisk(node string, pick uint64) (string, error) {
	if err := t.check(node); err != nil {
		return "", err
	}
	t.notes = append(t.notes, fmt.Sprintf("corrupt %s %d", node, pick))
	return "byte 1 of the log", nil
}

func (t *fakeTarget) ReplacesDisks() bool { return !t.noMembers && !t.noRejoin }

func (t *fakeTarget) WipeDisk(node string) error {
	if err := t.check(node); err != nil {
		return err
	}
	t.notes = append(t.notes, "wipe "+node)
	return nil
}

// Configuration is every node a voter until a change says otherwise; a
// change commits at once.
func (t *fakeTarget) Configuration() (nemesis.Configuration, error) {
	if t.noMembers {
		return nemesis.Configuration{}, fmt.Errorf("fake: membership: %w", nemesis.ErrUnsupported)
	}
	if t.config == nil {
		t.config = &nemesis.Configuration{Voters: slices.Clone(t.names), Committed: true}
	}
	return *t.config, nil
}

func (t *fakeTarget) TransferLeadership(node string) error {
	if t.noMembers {
		return fmt.Errorf("fake: transfer: %w", nemesis.ErrUnsupported)
	}
	if err := t.check(node); err != nil {
		return err
	}
	t.leader = node
	return nil
}

func (t *fakeTarget) ChangeMembership(c nemesis.MembershipChange) error {
	cfg, err := t.Configuration()
	if err != nil {
		return err
	}
	var voters, learners []string
	for _, n := range t.names {
		switch {
		case slices.Contains(c.Remove, n):
		case slices.Contains(c.AddVoters, n) || slices.Contains(cfg.Voters, n):
			voters = append(voters, n)
		case slices.Contains(c.AddLearners, n) || slices.Contains(cfg.Learners, n):
			learners = append(learners, n)
		}
	}
	t.config = &nemesis.Configuration{Voters: voters, Learners: learners, Committed: true}
	t.changes = append(t.changes, c.String())
	return nil
}

type fakeRand struct{ r *rand.Rand }

func (f fakeRand) Below(n uint64) uint64 { return f.r.Uint64N(n) }
func (f fakeRand) Between(lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	return lo + f.r.Int64N(hi-lo+1)
}
func (f fakeRand) Perm(n int) []int { return f.r.Perm(n) }

// A target that cannot perform some kinds gets the others: the schedule
// skips each unsupported kind for the rest of the run, records it once
// with its reason, never logs it as an action, and never panics.
func TestScheduleSkipsWhatTheTargetCannotDo(t *testing.T) {
	ft := newFakeTarget(5)
	ft.noClocks, ft.noPackets = true, true
	kinds := []string{"clock-bump", "clock-drift", "clock-strobe", "packet-loss", "packet-delay", "partition", "kill-one", "disk-slow"}
	var logged []string
	n := nemesis.Start(ft, nemesis.Config{Kinds: kinds, Interval: 50 * time.Millisecond, MaxActive: 2, Params: nemesis.DefaultParams()},
		func(f string, _ any) { logged = append(logged, f) }, 20*time.Second)
	ft.run(20 * time.Second)
	n.Stop()

	skipped := map[string]int{}
	for _, u := range n.Unsupported() {
		skipped[u.Kind]++
		assert.ErrorContains(t, errors.New(u.Reason), "not supported by the target", u.Kind)
	}
	assert.Equal(t, map[string]int{"clock-bump": 1, "clock-drift": 1, "clock-strobe": 1, "packet-loss": 1, "packet-delay": 1}, skipped,
		"every unsupported kind is skipped once, and then never drawn again")

	started := map[string]int{}
	for _, iv := range n.Intervals() {
		started[iv.Kind]++
		assert.NotZero(t, iv.End, "%s was healed", iv.Kind)
	}
	assert.Positive(t, started["partition"])
	assert.Positive(t, started["kill-one"])
	assert.Positive(t, started["disk-slow"])
	for _, f := range logged {
		assert.NotContains(t, skipped, f, "a skipped kind is not an action in the history")
	}
	assert.Empty(t, ft.cut, "every link is whole after Stop")
	for _, name := range ft.names {
		assert.Equal(t, nemesis.NodeUp, ft.states[name], name)
	}
	assert.Equal(t, nemesis.DiskFaults{}, ft.disk, "the disk faults are cleared")
	assert.Contains(t, fmt.Sprint(ft.notes), "clock-bump: skipped for the rest of the run")
}

// Every kind, started on a target that supports nothing but links,
// lifecycles and disks (no clocks, packets or status), either breaks something or says why not: never a panic, and
// when it declines nothing is left in force.
func TestEveryKindStartsOrDeclines(t *testing.T) {
	for _, name := range nemesis.Kinds() {
		t.Run(name, func(t *testing.T) {
			ft := newFakeTarget(5)
			ft.noClocks, ft.noPackets = true, true
			k, _ := nemesis.Lookup(name)
			act, heal, err := k.Start(nemesis.NewEnv(ft, nemesis.DefaultParams()))
			switch k.Group {
			case "clock", "packet", "scenario", "membership", "transfer":
				require.ErrorIs(t, err, nemesis.ErrUnsupported)
				assert.Nil(t, heal)
				return
			}
			require.NoError(t, err)
			require.NotNil(t, heal)
			assert.NotEmpty(t, act.Description)
			heal()
			assert.Empty(t, ft.cut)
			for _, n := range ft.names {
				assert.Equal(t, nemesis.NodeUp, ft.states[n], n)
			}
		})
	}
}

// A fault that fails part-way undoes what it did: a kill of every node
// whose third crash fails restarts the two it had crashed.
func TestAFaultThatFailsPartWayLeavesNothingInForce(t *testing.T) {
	ft := newFakeTarget(5)
	ft.failCrash = "n3"
	k, _ := nemesis.Lookup("kill-all")
	_, heal, err := k.Start(nemesis.NewEnv(ft, nemesis.DefaultParams()))
	require.ErrorContains(t, err, "would not die")
	assert.NotErrorIs(t, err, nemesis.ErrUnsupported)
	assert.Nil(t, heal)
	for _, n := range ft.names {
		assert.Equal(t, nemesis.NodeUp, ft.states[n], n)
	}
}

// Faults choose nodes by their place in the target's order, not by name:
// on ten nodes named n1..n10 the fixed halves are n1-n5 | n6-n10, although
// "n10" sorts before "n2".
func TestFaultsFollowTheTargetsOrder(t *testing.T) {
	ft := newFakeTarget(10)
	k, _ := nemesis.Lookup("partition-halves")
	act, _, err := k.Start(nemesis.NewEnv(ft, nemesis.DefaultParams()))
	require.NoError(t, err)
	assert.Equal(t, "partition n1 n2 n3 n4 n5 | n6 n7 n8 n9 n10", act.Description)
	assert.True(t, ft.cut[[2]string{"n5", "n6"}])
	assert.False(t, ft.cut[[2]string{"n1", "n5"}])
}
