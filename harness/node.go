package harness

import (
	"errors"
	"fmt"
	"time"
)

// Addr is an endpoint's address: a small dense integer the world assigns in
// the order endpoints are added (0, 1, 2, ...).
type Addr int32

// Node is a process the world drives: a Raft server, a client, or a test
// protocol. Every call runs on the simulation's one goroutine and must return
// without blocking; a node acts on the world only through its Env.
//
// A node that can crash is built by a factory (see World.AddNode): a restart
// builds a fresh value, so no volatile state can survive a crash by accident.
// What survives is what the node wrote to its disk and synced.
//
// This is the shape of etcd-io/raft's RawNode loop turned inside out: the
// world delivers messages (Step), ticks (a periodic timer) and fsync
// completions, and the node answers by sending, setting timers and writing
// its disk. An adapter for any such core fits in one small type.
type Node interface {
	// Start runs when the node boots and again after every restart. The node
	// must recover from env.Disk() alone.
	Start(env *Env)
	// Receive delivers a message sent to this node by from. The payload is
	// shared with any duplicate of the message and must not be modified.
	Receive(from Addr, payload any)
	// Timer fires a timer the node set with Env.SetTimer, with its tag.
	Timer(tag uint64)
	// Synced reports that the Env.Disk().Sync call that returned id has
	// completed: every disk write made before that call is durable.
	Synced(id uint64)
}

// TimerID names a timer so that it can be cancelled.
type TimerID uint64

// Env is a node's handle on the world: its clock, the network, its timers,
// its disk and its random stream. An Env belongs to one incarnation of a
// node; after a crash, calls through the old Env do nothing.
type Env struct {
	w     *World
	ep    *endpoint
	epoch uint32
}

func (e *Env) live() bool { return e.ep.epoch == e.epoch && e.ep.up }

// Addr is this node's address.
func (e *Env) Addr() Addr { return e.ep.addr }

// Name is this node's name ("n1", "c3").
func (e *Env) Name() string { return e.ep.name }

// Now reads the node's local clock, which may be offset from virtual time,
// run at a different rate, and jump.
func (e *Env) Now() time.Duration { return e.ep.clock.Read(e.w.now) }

// Send hands a message to the network. It may be delayed, dropped,
// duplicated or reordered, and it never arrives across a cut link.
func (e *Env) Send(to Addr, payload any) {
	if !e.live() {
		return
	}
	e.w.send(e.ep.addr, to, payload)
}

// Unreachable says a message to to is lost for certain, as a transport
// that holds a connection to each peer finds out: the link is cut or the
// peer is down (a broken or refused stream). Packet loss and a paused
// peer are not seen: a stream survives both.
func (e *Env) Unreachable(to Addr) bool {
	dst, err := e.w.endpoint(to)
	return err != nil || !dst.up || e.w.IsCut(e.ep.addr, to)
}

// SetTimer arranges for Timer(tag) to be called after the local clock has
// advanced by after.
func (e *Env) SetTimer(after time.Duration, tag uint64) TimerID {
	if !e.live() {
		return 0
	}
	ep := e.ep
	ep.nextTimer++
	id := ep.nextTimer
	e.w.schedule(event{
		at:    e.w.now + ep.clock.RealDelay(after),
		kind:  eventTimer,
		to:    ep.addr,
		epoch: ep.epoch,
		id:    id,
		tag:   tag,
	})
	return TimerID(id)
}

// CancelTimer stops a pending timer; cancelling a timer that has fired or
// was cancelled does nothing.
func (e *Env) CancelTimer(id TimerID) {
	if !e.live() || id == 0 {
		return
	}
	if e.ep.cancelled == nil {
		e.ep.cancelled = make(map[uint64]struct{})
	}
	e.ep.cancelled[uint64(id)] = struct{}{}
}

// Disk is the node's disk; nil for an endpoint added without one.
func (e *Env) Disk() *Disk { return e.ep.disk }

// Sync starts an fsync of the node's disk and returns its id; the node's
// Synced(id) is called when every write made before this call is durable.
func (e *Env) Sync() uint64 {
	if !e.live() || e.ep.disk == nil {
		return 0
	}
	return e.w.sync(e.ep)
}

// Rand is the node's own random stream ("node/<name>").
func (e *Env) Rand() *Stream { return e.ep.rand }

// Note records a line in the run's trace, attributed to this node.
func (e *Env) Note(format string, args ...any) {
	if !e.live() {
		return
	}
	e.w.trace.note(e.w.now, e.ep.addr, format, args...)
}

// Fail stops the run with an error attributed to this node: an invariant
// violation seen from inside it, for example. The error is prefixed with the
// node's name and the virtual time unless it is an Attributed error, which
// names them itself.
func (e *Env) Fail(err error) {
	var attributed Attributed
	if !errors.As(err, &attributed) {
		err = fmt.Errorf("%s at %v: %w", e.ep.name, e.w.now, err)
	}
	e.w.Stop(err)
}

// Halt stops the node as a process stops itself: it refuses to go on (a
// disk it cannot trust, say), and the world takes it down at once, as a
// crash does; it stays down until something restarts it.
func (e *Env) Halt(reason string) {
	if !e.live() {
		return
	}
	e.Note("halted: %s", reason)
	e.ep.halted = reason
	w, a, epoch := e.w, e.ep.addr, e.epoch
	w.At(w.now, func() {
		if ep := w.endpoints[a]; ep.epoch == epoch && ep.up {
			_ = w.Crash(a)
		}
	})
}

// Attributed is an error that names the node and the virtual time it is
// about, so Env.Fail need not.
type Attributed interface {
	error
	Attribution() (node string, at time.Duration)
}
