package harness

import (
	"fmt"
	"time"
)

// NetworkConfig is how the network treats every message. It can be changed
// during a run (World.SetNetwork), which is how packet faults are injected.
type NetworkConfig struct {
	// Latency is the delivery delay of a message.
	Latency Latency `json:"latency"`
	// Drop is the probability that a message is lost.
	Drop Probability `json:"drop"`
	// Duplicate is the probability that a message is delivered twice; the
	// copy has a delay of its own.
	Duplicate Probability `json:"duplicate"`
	// Reorder is the probability that a message leaves its link's FIFO
	// order: it takes an extra delay drawn from Latency and may be overtaken
	// by, or overtake, other messages on the link. Messages that are not
	// reordered arrive in the order they were sent on their link, as over
	// TCP, even when their delays alone would swap them.
	Reorder Probability `json:"reorder"`
}

// Validate reports a configuration that cannot be used.
func (c NetworkConfig) Validate() error {
	if err := c.Latency.Validate(); err != nil {
		return fmt.Errorf("network: %w", err)
	}
	return nil
}

// LinkCounters count what happened to the messages sent on a link.
// Sent = Delivered + Dropped + in flight - Duplicated (a duplicate is one
// extra delivery of one sent message).
type LinkCounters struct {
	Sent       uint64 `json:"sent"`
	Delivered  uint64 `json:"delivered"`
	Dropped    uint64 `json:"dropped"`
	Duplicated uint64 `json:"duplicated"`
}

func (c *LinkCounters) add(o LinkCounters) {
	c.Sent += o.Sent
	c.Delivered += o.Delivered
	c.Dropped += o.Dropped
	c.Duplicated += o.Duplicated
}

// NetworkCounters are the totals over every link, with drops split by cause.
type NetworkCounters struct {
	LinkCounters
	DroppedLoss      uint64 `json:"dropped_loss"`      // drawn by the Drop probability
	DroppedPartition uint64 `json:"dropped_partition"` // the link was cut at send or at arrival
	DroppedDown      uint64 `json:"dropped_down"`      // the destination was crashed, or crashed and restarted since the send
	Reordered        uint64 `json:"reordered"`
}

// DropCause says why a message was dropped.
type DropCause uint8

// The causes of a dropped message.
const (
	DropLoss DropCause = iota + 1
	DropPartition
	DropDown
)

func (c DropCause) String() string {
	switch c {
	case DropLoss:
		return "loss"
	case DropPartition:
		return "partition"
	case DropDown:
		return "down"
	}
	return "unknown"
}

// link is the state of one direction between two endpoints.
type link struct {
	cut bool
	// lastArrival is the latest arrival time scheduled for an in-order
	// message; later in-order messages arrive no earlier (FIFO).
	lastArrival time.Duration
	counters    LinkCounters
}

// network holds the links as a dense matrix indexed by Addr: endpoints are
// few and addresses small, and a slice lookup keeps the per-message cost low
// and iteration order fixed.
type network struct {
	cfg      NetworkConfig
	links    [][]link // links[from][to]
	counters NetworkCounters
	nextID   uint64
	rand     *Stream
}

func (n *network) grow(size int) {
	for i := range n.links {
		for len(n.links[i]) < size {
			n.links[i] = append(n.links[i], link{})
		}
	}
	for len(n.links) < size {
		n.links = append(n.links, make([]link, size))
	}
}

func (n *network) link(from, to Addr) *link { return &n.links[from][to] }

func (w *World) send(from, to Addr, payload any) {
	n := &w.net
	if int(to) < 0 || int(to) >= len(w.endpoints) {
		// A node computed an address that does not exist: that is a bug in
		// the node, not a network fault.
		w.Stop(fmt.Errorf("%s sent to unknown address %d", w.endpoints[from].name, to))
		return
	}
	n.nextID++
	id := n.nextID
	l := n.link(from, to)
	l.counters.Sent++
	n.counters.Sent++
	w.trace.add(TraceRecord{At: w.now, Kind: TraceSend, From: from, To: to, ID: id, Payload: payload})
	for _, t := range w.taps {
		t.Sent(from, to, payload)
	}

	if l.cut {
		w.drop(from, to, id, DropPartition)
		return
	}
	if n.rand.Chance(n.cfg.Drop) {
		w.drop(from, to, id, DropLoss)
		return
	}
	at := w.now + n.cfg.Latency.Draw(n.rand)
	if n.rand.Chance(n.cfg.Reorder) {
		at += n.cfg.Latency.Draw(n.rand)
		n.counters.Reordered++
	} else {
		if at < l.lastArrival {
			at = l.lastArrival
		}
		l.lastArrival = at
	}
	dst := w.endpoints[to]
	w.schedule(event{at: at, kind: eventDeliver, to: to, from: from, epoch: dst.epoch, id: id, msg: payload})
	if n.rand.Chance(n.cfg.Duplicate) {
		l.counters.Duplicated++
		n.counters.Duplicated++
		w.trace.add(TraceRecord{At: w.now, Kind: TraceDuplicate, From: from, To: to, ID: id})
		dupAt := w.now + n.cfg.Latency.Draw(n.rand)
		w.schedule(event{at: dupAt, kind: eventDeliver, to: to, from: from, epoch: dst.epoch, id: id, msg: payload})
	}
}

func (w *World) drop(from, to Addr, id uint64, cause DropCause) {
	n := &w.net
	n.link(from, to).counters.Dropped++
	n.counters.Dropped++
	switch cause {
	case DropLoss:
		n.counters.DroppedLoss++
	case DropPartition:
		n.counters.DroppedPartition++
	case DropDown:
		n.counters.DroppedDown++
	}
	w.trace.add(TraceRecord{At: w.now, Kind: TraceDrop, From: from, To: to, ID: id, Arg: int64(cause)})
}

// arrive is the network's half of delivering: a message that reaches a cut
// link or a destination that crashed since it was sent is dropped here. It
// reports whether the message goes on to the destination.
func (w *World) arrive(e *event) bool {
	dst := w.endpoints[e.to]
	switch {
	case dst.epoch != e.epoch || !dst.up:
		w.drop(e.from, e.to, e.id, DropDown)
		return false
	case w.net.link(e.from, e.to).cut:
		w.drop(e.from, e.to, e.id, DropPartition)
		return false
	}
	return true
}

// Cut cuts the one-way link from -> to: messages sent on it, and messages
// on it that arrive while it is cut, are dropped. The other direction is
// untouched, so asymmetric partitions and bridges can be built from cuts.
func (w *World) Cut(from, to Addr) {
	l := w.net.link(from, to)
	if l.cut {
		return
	}
	l.cut = true
	w.trace.add(TraceRecord{At: w.now, Kind: TraceCut, From: from, To: to})
}

// Connect restores the one-way link from -> to.
func (w *World) Connect(from, to Addr) {
	l := w.net.link(from, to)
	if !l.cut {
		return
	}
	l.cut = false
	w.trace.add(TraceRecord{At: w.now, Kind: TraceConnect, From: from, To: to})
}

// Backlog is how far past now the link's in-order messages are already
// due: a link whose latency was raised keeps delivering in order, so
// messages sent after the fault healed still wait behind the delayed ones.
func (w *World) Backlog(from, to Addr) time.Duration {
	return max(0, w.net.link(from, to).lastArrival-w.now)
}

// IsCut reports whether the one-way link from -> to is cut.
func (w *World) IsCut(from, to Addr) bool { return w.net.link(from, to).cut }

// Partition cuts every link between different groups, both ways, and
// restores every link inside a group. Endpoints in no group keep their links.
func (w *World) Partition(groups ...[]Addr) {
	group := make(map[Addr]int)
	for g, members := range groups {
		for _, a := range members {
			group[a] = g
		}
	}
	// Walk the addresses in order, never the map, so the trace's order of
	// cut records is fixed.
	for from := range w.endpoints {
		gf, okf := group[Addr(from)]
		for to := range w.endpoints {
			gt, okt := group[Addr(to)]
			if !okf || !okt || from == to {
				continue
			}
			if gf == gt {
				w.Connect(Addr(from), Addr(to))
			} else {
				w.Cut(Addr(from), Addr(to))
			}
		}
	}
}

// HealNetwork restores every cut link.
func (w *World) HealNetwork() {
	for from := range w.net.links {
		for to := range w.net.links[from] {
			w.Connect(Addr(from), Addr(to))
		}
	}
}

// SetNetwork replaces the network's configuration from now on; messages
// already in flight keep their arrival times.
func (w *World) SetNetwork(cfg NetworkConfig) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	w.net.cfg = cfg
	w.trace.add(TraceRecord{At: w.now, Kind: TraceNote, From: -1, Payload: "network config: " + cfg.String()})
	return nil
}

// Network is the network's current configuration.
func (w *World) Network() NetworkConfig { return w.net.cfg }

// NetworkCounters are the totals over all links.
func (w *World) NetworkCounters() NetworkCounters { return w.net.counters }

// LinkCounters are the counters of the one-way link from -> to.
func (w *World) LinkCounters(from, to Addr) LinkCounters { return w.net.link(from, to).counters }

// String renders the configuration compactly for traces.
func (c NetworkConfig) String() string {
	return fmt.Sprintf("latency=%v drop=%g duplicate=%g reorder=%g",
		c.Latency, c.Drop.Float(), c.Duplicate.Float(), c.Reorder.Float())
}
