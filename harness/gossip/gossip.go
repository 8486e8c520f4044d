// Package gossip is a small protocol for exercising and demonstrating the
// simulated world: every node ticks on its local clock, appends each new
// value of a counter to its disk, and once the value is synced gossips it to
// a random peer, which answers with an acknowledgement. It touches every
// part of the world (network, timers, clocks, disk, fsync, crash recovery)
// and nothing else, so a test of the world can tell exactly what should have
// happened.
//
// It imports harness and nothing else of the project.
package gossip

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"sync"
	"time"

	"raftcheck/harness"
)

// LogFile is the file each node appends its counter values to, one record
// a value: eight bytes (big-endian), then their CRC-32C. A crash can tear
// the last write and leave garbage after its prefix (harness.DiskConfig),
// so recovery keeps the records up to the first whose checksum fails.
const LogFile = "counter.log"

const recordSize = 8 + 4

// castagnoli is built on first use, not at init: a command that never
// checksums (raftcheck check) should not pay for the table at start-up.
var castagnoli = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) })

// Value is a gossip message: a node's durable counter value.
type Value struct {
	Origin string
	N      uint64
}

// TraceString renders the message in the world's trace.
func (v Value) TraceString() string { return fmt.Sprintf("value %s=%d", v.Origin, v.N) }

// Ack acknowledges a Value.
type Ack struct{ N uint64 }

// TraceString renders the message in the world's trace.
func (a Ack) TraceString() string { return fmt.Sprintf("ack %d", a.N) }

// Node is one gossiping process.
type Node struct {
	Peers    []harness.Addr
	Interval time.Duration // local time between ticks

	env *harness.Env
	// Counter is the latest value written (synced or not).
	Counter uint64
	// Recovered is the counter value read back from disk at Start.
	Recovered uint64
	// Durable is the latest value known to be synced.
	Durable uint64
	// Seen is the highest value received from each origin.
	Seen map[string]uint64
	// Received, Acks and Ticks count what this incarnation handled.
	Received, Acks, Ticks int
	// TickTimes are the local clock readings at each tick.
	TickTimes []time.Duration

	pendingSync map[uint64]uint64 // sync id -> counter value it covers
}

// Start recovers the counter from the disk and starts ticking.
func (n *Node) Start(env *harness.Env) {
	n.env = env
	n.Seen = map[string]uint64{}
	n.pendingSync = map[uint64]uint64{}
	if data, ok := env.Disk().ReadFile(LogFile); ok {
		good := 0
		for good+recordSize <= len(data) {
			rec := data[good : good+recordSize]
			if crc32.Checksum(rec[:8], castagnoli()) != binary.BigEndian.Uint32(rec[8:]) {
				break
			}
			n.Recovered = binary.BigEndian.Uint64(rec[:8])
			good += recordSize
		}
		if good != len(data) {
			env.Note("discarding %d torn bytes", len(data)-good)
			env.Disk().Truncate(LogFile, good)
		}
	}
	n.Counter, n.Durable = n.Recovered, n.Recovered
	env.SetTimer(n.Interval, 0)
}

// Timer is the tick: bump the counter, write it, and start an fsync.
func (n *Node) Timer(uint64) {
	n.Ticks++
	n.TickTimes = append(n.TickTimes, n.env.Now())
	n.Counter++
	var b [recordSize]byte
	binary.BigEndian.PutUint64(b[:8], n.Counter)
	binary.BigEndian.PutUint32(b[8:], crc32.Checksum(b[:8], castagnoli()))
	n.env.Disk().Append(LogFile, b[:])
	n.pendingSync[n.env.Sync()] = n.Counter
	n.env.SetTimer(n.Interval, 0)
}

// Synced gossips the value the fsync made durable.
func (n *Node) Synced(id uint64) {
	v, ok := n.pendingSync[id]
	if !ok {
		return
	}
	delete(n.pendingSync, id)
	if v > n.Durable {
		n.Durable = v
	}
	if len(n.Peers) == 0 {
		return
	}
	to := n.Peers[n.env.Rand().Below(uint64(len(n.Peers)))]
	n.env.Send(to, Value{Origin: n.env.Name(), N: v})
}

// Receive records a value and acknowledges it, or counts an ack.
func (n *Node) Receive(from harness.Addr, payload any) {
	switch m := payload.(type) {
	case Value:
		n.Received++
		if m.N > n.Seen[m.Origin] {
			n.Seen[m.Origin] = m.N
		}
		n.env.Send(from, Ack{N: m.N})
	case Ack:
		n.Acks++
	}
}
