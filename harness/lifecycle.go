package harness

import (
	"fmt"
	"time"
)

// Crash kills the node at a: its volatile state (the Node value), its
// pending timers and fsyncs, the messages in flight to it, and every disk
// write it had not synced are gone; a torn prefix of the oldest unsynced
// write may survive (DiskConfig.Torn). Messages it sent before crashing are
// still in the network. Crashing a node that is down does nothing.
func (w *World) Crash(a Addr) error {
	ep, err := w.crashable(a)
	if err != nil {
		return err
	}
	if !ep.up {
		return nil
	}
	torn := ep.disk.crash(ep.diskRand, ep.tornRand, w.disk.Torn, w.disk.Writeback)
	for _, e := range ep.held {
		if e.kind == eventDeliver {
			w.drop(e.from, e.to, e.id, DropDown) // it reached a frozen process that died
		}
	}
	ep.up = false
	ep.paused = false
	ep.booting = false
	ep.held = nil
	ep.node = nil
	ep.env = nil
	ep.cancelled = nil
	ep.lastSync = 0
	ep.epoch++
	w.trace.add(TraceRecord{At: w.now, Kind: TraceCrash, From: a, Arg: int64(torn)})
	return nil
}

// Restart boots a fresh incarnation of the crashed node at a, which must
// recover from its disk alone. Restarting a node that is up does nothing.
func (w *World) Restart(a Addr) error {
	ep, err := w.crashable(a)
	if err != nil {
		return err
	}
	if ep.up {
		return nil
	}
	w.boot(ep, ep.factory(), TraceRestart)
	return nil
}

func (w *World) crashable(a Addr) (*endpoint, error) {
	ep, err := w.endpoint(a)
	if err != nil {
		return nil, err
	}
	if ep.factory == nil {
		return nil, fmt.Errorf("harness: %s cannot crash: it was not added with AddNode", ep.name)
	}
	return ep, nil
}

// Pause freezes the endpoint at a, as SIGSTOP does: it handles nothing while
// paused, and the messages, timers and fsync completions that come due wait
// for Resume. Its disk keeps working: an fsync that completes while it is
// paused is durable, even if the node crashes before it hears of it.
func (w *World) Pause(a Addr) error {
	ep, err := w.endpoint(a)
	if err != nil {
		return err
	}
	if !ep.up || ep.paused {
		return nil
	}
	ep.paused = true
	w.trace.add(TraceRecord{At: w.now, Kind: TracePause, From: a})
	return nil
}

// Resume unfreezes the endpoint at a: what came due while it was paused is
// handled now, in the order it came due, before anything that comes due
// later.
func (w *World) Resume(a Addr) error {
	ep, err := w.endpoint(a)
	if err != nil {
		return err
	}
	if !ep.up || !ep.paused {
		return nil
	}
	ep.paused = false
	w.trace.add(TraceRecord{At: w.now, Kind: TraceResume, From: a})
	if !ep.booting {
		w.release(ep)
	}
	return nil
}

// release schedules what came due while the endpoint at ep was paused or
// booting, now, in the order it came due, before anything that comes due
// later.
func (w *World) release(ep *endpoint) {
	held := ep.held
	ep.held = nil
	for _, e := range held {
		e.at = w.now
		w.schedule(e)
	}
}

// JumpClock moves the local clock of the endpoint at a by delta (a bump;
// negative deltas set it back).
func (w *World) JumpClock(a Addr, delta time.Duration) error {
	ep, err := w.endpoint(a)
	if err != nil {
		return err
	}
	ep.clock.Jump(w.now, delta)
	w.trace.add(TraceRecord{At: w.now, Kind: TraceClockJump, From: a, Arg: int64(delta)})
	return nil
}

// SetClockRate makes the local clock of the endpoint at a run at
// 1 + rate/10^6 times virtual time from now on (drift).
func (w *World) SetClockRate(a Addr, rate PPM) error {
	ep, err := w.endpoint(a)
	if err != nil {
		return err
	}
	if err := ep.clock.SetRate(w.now, rate); err != nil {
		return fmt.Errorf("%s: %w", ep.name, err)
	}
	w.trace.add(TraceRecord{At: w.now, Kind: TraceClockRate, From: a, Arg: int64(rate)})
	return nil
}

func (w *World) endpoint(a Addr) (*endpoint, error) {
	if int(a) < 0 || int(a) >= len(w.endpoints) {
		return nil, fmt.Errorf("harness: no endpoint at address %d", a)
	}
	return w.endpoints[a], nil
}
