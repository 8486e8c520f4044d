package maelstrom

import (
	"fmt"
	"syscall"
	"time"

	"raftcheck/nemesis"
)

// The run is a nemesis.Target: its nodes are processes, its links the
// router's, its time the wall clock since the run began. It cannot see
// inside a node (no leader, no Raft state), set clocks, damage disks or
// change the membership: those kinds are skipped, and results.json says
// so.
var _ nemesis.Target = (*runner)(nil)

// Nodes are the nodes' names.
func (r *runner) Nodes() []string { return r.names }

// Leader is unknown from outside.
func (r *runner) Leader() (string, bool) { return "", false }

// State is where a node's process is.
func (r *runner) State(name string) nemesis.NodeState {
	n := r.node(name)
	switch {
	case n == nil || n.p == nil:
		return nemesis.NodeDown
	case n.p.paused:
		return nemesis.NodePaused
	}
	return nemesis.NodeUp
}

// Now is the wall time since the run began.
func (r *runner) Now() time.Duration { return time.Since(r.start) }

// After runs f on the loop once d has passed.
func (r *runner) After(d time.Duration, f func()) {
	time.AfterFunc(max(d, 0), func() { r.post(f) })
}

// Random is the nemesis's seeded stream.
func (r *runner) Random() nemesis.Rand { return r.rand }

// Status is not visible from outside a process.
func (r *runner) Status(string) (nemesis.NodeStatus, error) {
	return nemesis.NodeStatus{}, fmt.Errorf("maelstrom: a process shows no Raft state: %w", nemesis.ErrUnsupported)
}

// Cut and Connect change one direction of a link on the router.
func (r *runner) Cut(from, to string) error     { return r.router.setCut(from, to, true) }
func (r *runner) Connect(from, to string) error { return r.router.setCut(from, to, false) }

// Crash kills the node's process group at once (SIGKILL).
func (r *runner) Crash(name string) error {
	n := r.node(name)
	if n == nil {
		return fmt.Errorf("maelstrom: no node %q", name)
	}
	if n.p == nil {
		return nil
	}
	n.p.kill()
	n.p = nil // its end, when the reader sees it, is expected
	r.Note("killed %s", name)
	return nil
}

// Restart starts a node that is down again, in its working directory.
func (r *runner) Restart(name string) error {
	n := r.node(name)
	if n == nil {
		return fmt.Errorf("maelstrom: no node %q", name)
	}
	if n.p != nil {
		return nil
	}
	return r.boot(n)
}

// Pause stops the node's process group (SIGSTOP); Resume continues it.
func (r *runner) Pause(name string) error  { return r.pause(name, true) }
func (r *runner) Resume(name string) error { return r.pause(name, false) }

func (r *runner) pause(name string, stop bool) error {
	n := r.node(name)
	if n == nil {
		return fmt.Errorf("maelstrom: no node %q", name)
	}
	if n.p == nil || n.p.paused == stop {
		return nil
	}
	sig := syscall.SIGCONT
	if stop {
		sig = syscall.SIGSTOP
	}
	if err := n.p.signal(sig); err != nil {
		return err
	}
	n.p.paused = stop
	r.Note("%s %s", map[bool]string{true: "paused", false: "resumed"}[stop], name)
	return nil
}

// SetLinkFaults sets the router's packet faults.
func (r *runner) SetLinkFaults(f nemesis.LinkFaults) error {
	r.router.faults = f
	return nil
}

func unsupported(what string) error {
	return fmt.Errorf("maelstrom: %s: %w", what, nemesis.ErrUnsupported)
}

// Clocks, disks and membership are the processes' own.
func (r *runner) Clock(string) (time.Duration, nemesis.PPM, error) {
	return 0, 0, unsupported("a process keeps its own clock")
}
func (r *runner) JumpClock(string, time.Duration) error {
	return unsupported("a process keeps its own clock")
}
func (r *runner) SetClockRate(string, nemesis.PPM) error {
	return unsupported("a process keeps its own clock")
}
func (r *runner) SetDiskFaults(nemesis.DiskFaults) error {
	return unsupported("a process keeps its own disk")
}
func (r *runner) SlowDisk(string, nemesis.Latency) error {
	return unsupported("a process keeps its own disk")
}
func (r *runner) CorruptDisk(string, uint64) (string, error) {
	return "", unsupported("a process keeps its own disk")
}
func (r *runner) WipeDisk(string) error { return unsupported("a process keeps its own disk") }
func (r *runner) ReplacesDisks() bool   { return false }
func (r *runner) Configuration() (nemesis.Configuration, error) {
	return nemesis.Configuration{}, unsupported("Maelstrom has no membership changes")
}
func (r *runner) ChangeMembership(nemesis.MembershipChange) error {
	return unsupported("Maelstrom has no membership changes")
}
func (r *runner) TransferLeadership(string) error {
	return unsupported("a process shows no leader")
}
