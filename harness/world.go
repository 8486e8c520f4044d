package harness

import (
	"errors"
	"fmt"
	"io"
	"time"
)

// Config is everything a World needs besides its endpoints.
type Config struct {
	Seed    uint64        `json:"seed"`
	Network NetworkConfig `json:"network"`
	Disk    DiskConfig    `json:"disk"`
	// Trace hashes a record of every message, fault and lifecycle change
	// (Trace.SHA256). It costs time, not memory; benchmarks turn it off.
	Trace bool `json:"trace"`
	// TraceTo, if set, receives the trace's text as the run goes (with
	// Trace on). It is where the trace is kept, not part of what the run
	// does, so it is not in the configuration a run is replayed from.
	TraceTo io.Writer `json:"-"`
}

// Validate reports a configuration that cannot be used.
func (c Config) Validate() error {
	if err := c.Network.Validate(); err != nil {
		return err
	}
	return c.Disk.Validate()
}

// World is one simulated run: a virtual clock, an event queue, the network,
// and the endpoints (nodes and clients) with their disks and clocks.
//
// A World is not safe for use by several goroutines; a run is sequential by
// design, and parallelism belongs across runs.
type World struct {
	now        time.Duration
	seq        uint64
	queue      eventQueue
	seeds      Seeds
	net        network
	disk       DiskConfig
	diskRand   *Stream
	endpoints  []*endpoint
	byName     map[string]Addr
	trace      Trace
	stopErr    error
	dispatched uint64
	budget     Budget
	taps       []Tap
}

// NodeState is where a node is in its lifecycle.
type NodeState uint8

// The states of a node.
const (
	NodeUp NodeState = iota
	NodePaused
	NodeDown
)

func (s NodeState) String() string {
	switch s {
	case NodeUp:
		return "up"
	case NodePaused:
		return "paused"
	case NodeDown:
		return "down"
	}
	return "unknown"
}

// endpoint is one node or client of the world.
type endpoint struct {
	addr    Addr
	name    string
	node    Node        // the current incarnation; nil while crashed
	factory func() Node // builds a fresh incarnation; nil for endpoints that cannot crash
	env     *Env
	up      bool
	paused  bool
	// booting is set from a (re)start until the incarnation's Start runs,
	// an event of its own: what comes due in between (a message arriving
	// at the very instant of the restart) waits in held, as it would for
	// a paused node, and is handled once Start has run.
	booting bool
	// epoch counts incarnations: events scheduled for an older one (its
	// timers, its syncs, messages sent to it before it crashed) are
	// discarded when they come due.
	epoch uint32
	held  []event // events that came due while paused, in order
	clock Clock
	disk  *Disk
	// slowSync, when set (slow), replaces the world's fsync latency for
	// this disk alone (SetDiskLatency).
	slowSync  Latency
	slow      bool
	diskRand  *Stream // fsync latencies and torn writes of this disk
	tornRand  *Stream // the garbage its torn writes leave
	rand      *Stream
	nextTimer uint64
	cancelled map[uint64]struct{}
	// lastSync is when the latest fsync of this disk completes: fsyncs
	// complete in the order they were started.
	lastSync time.Duration
	nextSync uint64
	// halted is why the node last stopped itself (Env.Halt), "" if it has
	// started since.
	halted string
}

// New builds an empty world from a configuration.
func New(cfg Config) (*World, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	seeds := NewSeeds(cfg.Seed)
	w := &World{
		seeds:  seeds,
		disk:   cfg.Disk,
		byName: map[string]Addr{},
	}
	w.net = network{cfg: cfg.Network, rand: seeds.Stream("network")}
	w.trace = newTrace(cfg.Trace, w.Name, cfg.TraceTo)
	return w, nil
}

// Seeds is the run's stream factory, for the parts of a test outside the
// world (clients, the nemesis) to take their own named streams from.
func (w *World) Seeds() Seeds { return w.seeds }

// Now is the virtual time: nanoseconds since the run began.
func (w *World) Now() time.Duration { return w.now }

// Trace is the run's trace.
func (w *World) Trace() *Trace { return &w.trace }

// Dispatched is the number of events run so far.
func (w *World) Dispatched() uint64 { return w.dispatched }

// Pending is the number of events in the queue.
func (w *World) Pending() int { return w.queue.Len() }

// AddNode adds a node that has a disk and can crash and restart: factory
// builds a fresh incarnation at boot and at every restart. The node starts at
// the current virtual time, as an event, so that its Start runs in order.
func (w *World) AddNode(name string, factory func() Node) (Addr, error) {
	if factory == nil {
		return 0, errors.New("harness: AddNode needs a factory")
	}
	ep, err := w.addEndpoint(name)
	if err != nil {
		return 0, err
	}
	ep.factory = factory
	ep.disk = newDisk()
	ep.diskRand = w.seeds.Stream("disk/" + name)
	ep.tornRand = w.seeds.Stream("torn/" + name)
	w.boot(ep, factory(), TraceStart)
	return ep.addr, nil
}

// AddClient adds an endpoint with no disk that is never crashed: a client.
func (w *World) AddClient(name string, n Node) (Addr, error) {
	if n == nil {
		return 0, errors.New("harness: AddClient needs a node")
	}
	ep, err := w.addEndpoint(name)
	if err != nil {
		return 0, err
	}
	w.boot(ep, n, TraceStart)
	return ep.addr, nil
}

func (w *World) addEndpoint(name string) (*endpoint, error) {
	if name == "" {
		return nil, errors.New("harness: an endpoint needs a name")
	}
	if _, dup := w.byName[name]; dup {
		return nil, fmt.Errorf("harness: endpoint %q already exists", name)
	}
	ep := &endpoint{
		addr:  Addr(len(w.endpoints)),
		name:  name,
		rand:  w.seeds.Stream("node/" + name),
		clock: Clock{anchorReal: w.now, anchorLocal: w.now},
	}
	w.endpoints = append(w.endpoints, ep)
	w.byName[name] = ep.addr
	w.net.grow(len(w.endpoints))
	return ep, nil
}

// boot makes n the endpoint's live incarnation and schedules its Start.
func (w *World) boot(ep *endpoint, n Node, kind TraceKind) {
	ep.node = n
	ep.up = true
	ep.booting = true
	ep.env = &Env{w: w, ep: ep, epoch: ep.epoch}
	epoch := ep.epoch
	w.At(w.now, func() {
		if ep.epoch != epoch || !ep.up {
			return
		}
		ep.booting = false
		ep.halted = ""
		w.trace.add(TraceRecord{At: w.now, Kind: kind, From: ep.addr})
		n.Start(ep.env)
		if !ep.paused {
			w.release(ep)
		}
	})
}

// Halted is why the node at a last stopped itself (Env.Halt), "" if it has
// not, or has started again since.
func (w *World) Halted(a Addr) string {
	if int(a) < 0 || int(a) >= len(w.endpoints) {
		return ""
	}
	return w.endpoints[a].halted
}

// Name is the name of the endpoint at a.
func (w *World) Name(a Addr) string {
	if int(a) < 0 || int(a) >= len(w.endpoints) {
		return "addr(" + fmt.Sprint(int(a)) + ")"
	}
	return w.endpoints[a].name
}

// Lookup finds an endpoint by name.
func (w *World) Lookup(name string) (Addr, bool) {
	a, ok := w.byName[name]
	return a, ok
}

// Endpoints is the number of endpoints; their addresses are 0..Endpoints()-1.
func (w *World) Endpoints() int { return len(w.endpoints) }

// Node is the live incarnation of the node at a, nil while it is crashed.
// Invariant checkers use it to look inside nodes.
func (w *World) Node(a Addr) Node { return w.endpoints[a].node }

// State is the lifecycle state of the node at a.
func (w *World) State(a Addr) NodeState {
	ep := w.endpoints[a]
	switch {
	case !ep.up:
		return NodeDown
	case ep.paused:
		return NodePaused
	}
	return NodeUp
}

// Disk is the disk of the node at a (nil for a client).
func (w *World) Disk(a Addr) *Disk { return w.endpoints[a].disk }

// Clock is the local clock of the endpoint at a.
func (w *World) Clock(a Addr) *Clock { return &w.endpoints[a].clock }

// Stop ends the run: Run returns err after the current event. The first
// error wins.
func (w *World) Stop(err error) {
	if err == nil || w.stopErr != nil {
		return
	}
	w.stopErr = err
	w.trace.add(TraceRecord{At: w.now, Kind: TraceStop, From: -1, Payload: err.Error()})
}

// Note records a line in the trace on behalf of the world itself: what a
// nemesis did, for example.
func (w *World) Note(format string, args ...any) { w.trace.note(w.now, -1, format, args...) }

// Err is the error the run was stopped with, if any.
func (w *World) Err() error { return w.stopErr }

// At schedules fn to run at virtual time t (or now, if t is past).
func (w *World) At(t time.Duration, fn func()) {
	if t < w.now {
		t = w.now
	}
	w.schedule(event{at: t, kind: eventCall, to: -1, fn: fn})
}

// After schedules fn to run after d of virtual time.
func (w *World) After(d time.Duration, fn func()) { w.At(w.now+d, fn) }

func (w *World) schedule(e event) {
	w.seq++
	e.seq = w.seq
	w.queue.push(e)
}

// ErrBudget is wrapped by the error a world stops with when it goes over
// its Budget: a message storm or a livelock, not a safety violation.
var ErrBudget = errors.New("over the run's event budget")

// Budget bounds the work of a run, so that a storm of messages or timers
// ends the run with a reason instead of exhausting the machine. Zero fields
// bound nothing.
type Budget struct {
	// Events bounds the events dispatched over the whole run.
	Events uint64
	// Pending bounds the events waiting in the queue at once: what a
	// storm of messages in flight costs in memory.
	Pending int
	// Memory bounds the process's live heap, in bytes: a run too long or
	// too busy for the machine stops with ErrMemory, a clear error, rather
	// than being killed by the machine. The heap is the whole process's,
	// so parallel runs share it. Unlike the other bounds it depends on
	// more than the seed; it ends a run as an error, never as a verdict.
	Memory uint64
}

// ErrMemory is wrapped by the error a world stops with when the process's
// heap goes over its Budget's Memory.
var ErrMemory = errors.New("over the run's memory ceiling")

// memoryCheckEvery is how many events pass between looks at the heap: a
// look costs about a microsecond, and a run allocates far less than the
// ceiling's margin in that many events.
const memoryCheckEvery = 1 << 15

// SetBudget sets the run's budget from now on.
func (w *World) SetBudget(b Budget) { w.budget = b }

// checkBudget stops the run when it is over its budget.
func (w *World) checkBudget() {
	switch {
	case w.budget.Events > 0 && w.dispatched > w.budget.Events:
		w.Stop(fmt.Errorf("%w: %d events dispatched by %v", ErrBudget, w.dispatched, w.now))
	case w.budget.Pending > 0 && w.queue.Len() > w.budget.Pending:
		w.Stop(fmt.Errorf("%w: %d events pending at %v", ErrBudget, w.queue.Len(), w.now))
	case w.budget.Memory > 0 && w.dispatched%memoryCheckEvery == 0:
		if heap := HeapLive(); heap > w.budget.Memory {
			w.Stop(fmt.Errorf("%w: the heap retains %d MiB, more than the %d MiB allowed, at %v simulated", ErrMemory, heap>>20, w.budget.Memory>>20, w.now))
		}
	}
}

// Run runs events until virtual time until, the queue empties, or the run is
// stopped; virtual time is then until (unless stopped earlier). It returns
// the error the run was stopped with.
func (w *World) Run(until time.Duration) error {
	for w.stopErr == nil && w.queue.Len() > 0 && w.queue.peek().at <= until {
		w.step()
		// A counter compare and a length: cheap enough for every event.
		w.checkBudget()
	}
	if w.stopErr == nil && w.now < until {
		w.now = until
	}
	return w.stopErr
}

// RunFor runs for d of virtual time from now.
func (w *World) RunFor(d time.Duration) error { return w.Run(w.now + d) }

// Step runs the next event; it reports false when there is none or the run
// was stopped.
func (w *World) Step() bool {
	if w.stopErr != nil || w.queue.Len() == 0 {
		return false
	}
	w.step()
	w.checkBudget()
	return true
}

func (w *World) step() {
	e := w.queue.pop()
	w.now = e.at
	w.dispatched++
	if e.kind == eventCall {
		e.fn()
		return
	}
	ep := w.endpoints[e.to]
	if e.kind == eventDeliver {
		if !w.arrive(&e) {
			return
		}
	} else if ep.epoch != e.epoch || !ep.up {
		return // a timer or sync of an incarnation that crashed
	}
	if e.kind == eventSync {
		// The data reaches the platter now even if the node is paused and
		// hears of it only when it resumes.
		ep.disk.makeDurable(e.tag)
	}
	if ep.paused || ep.booting {
		ep.held = append(ep.held, e)
		return
	}
	w.dispatch(ep, &e)
}

func (w *World) dispatch(ep *endpoint, e *event) {
	switch e.kind {
	case eventDeliver:
		w.trace.add(TraceRecord{At: w.now, Kind: TraceDeliver, From: e.from, To: e.to, ID: e.id})
		l := w.net.link(e.from, e.to)
		l.counters.Delivered++
		w.net.counters.Delivered++
		for _, t := range w.taps {
			t.Delivered(e.from, e.to, e.msg)
		}
		if w.stopErr != nil {
			return // a tap found something wrong with what was delivered
		}
		ep.node.Receive(e.from, e.msg)
	case eventTimer:
		if ep.cancelled != nil {
			if _, gone := ep.cancelled[e.id]; gone {
				delete(ep.cancelled, e.id)
				return
			}
		}
		ep.node.Timer(e.tag)
	case eventSync:
		w.trace.add(TraceRecord{At: w.now, Kind: TraceSync, From: e.to, ID: e.id})
		ep.node.Synced(e.id)
	}
}

// sync starts an fsync of the endpoint's disk.
func (w *World) sync(ep *endpoint) uint64 {
	ep.nextSync++
	ep.disk.counters.Syncs++
	lat := w.disk.SyncLatency
	if ep.slow {
		lat = ep.slowSync
	}
	at := w.now + lat.Draw(ep.diskRand)
	if at < ep.lastSync {
		at = ep.lastSync
	}
	ep.lastSync = at
	w.schedule(event{at: at, kind: eventSync, to: ep.addr, epoch: ep.epoch, id: ep.nextSync, tag: ep.disk.mark()})
	return ep.nextSync
}

// SetDisk replaces the disks' configuration from now on; fsyncs already
// started keep their completion times.
func (w *World) SetDisk(cfg DiskConfig) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	w.disk = cfg
	return nil
}

// SetDiskLatency makes the fsyncs of a's disk take lat from now on, a
// slow disk among healthy ones; clear puts back the world's latency.
// Fsyncs already started keep their completion times (and a disk's
// fsyncs still complete in order).
func (w *World) SetDiskLatency(a Addr, lat Latency, clear bool) error {
	ep, err := w.endpoint(a)
	if err != nil {
		return err
	}
	if clear {
		ep.slow, ep.slowSync = false, Latency{}
		return nil
	}
	if err := lat.Validate(); err != nil {
		return err
	}
	ep.slow, ep.slowSync = true, lat
	return nil
}

// DiskSlowed says some disk has a latency of its own (SetDiskLatency).
func (w *World) DiskSlowed() bool {
	for _, ep := range w.endpoints {
		if ep.slow {
			return true
		}
	}
	return false
}

// DiskConfig is the disks' current configuration.
func (w *World) DiskConfig() DiskConfig { return w.disk }
