package harness

import (
	"fmt"
	"sort"
)

// DiskConfig is how every node's disk behaves. It can be changed during a
// run (World.SetDisk), which is how slow-fsync faults are injected.
type DiskConfig struct {
	// SyncLatency is how long an fsync takes.
	SyncLatency Latency `json:"sync_latency"`
	// Torn is the probability that a crash leaves a torn write: a strict,
	// non-empty prefix of the oldest unsynced append survives on the disk,
	// and in half of them the rest of the write's length holds garbage
	// (sectors written with what was there before, or half-written), as a
	// real disk may leave it. Only a log that checks its records' checksums
	// reads either as the end of the log.
	Torn Probability `json:"torn"`
	// Writeback is the probability that a crash finds some of the writes
	// not yet synced on the disk after all, as a disk that writes back in
	// the background leaves them: the oldest of them, in the order they
	// were made, up to a point drawn at random (then the next may be
	// torn). Without it a crash loses every unsynced write at once, and
	// no ordering between two syncs is ever tested: a file replaced in
	// place instead of renamed, or a log switched before the snapshot it
	// starts after, shows only here.
	Writeback Probability `json:"writeback,omitempty"`
}

// Validate reports a configuration that cannot be used.
func (c DiskConfig) Validate() error {
	if err := c.SyncLatency.Validate(); err != nil {
		return fmt.Errorf("disk: %w", err)
	}
	return nil
}

// DiskCounters count a disk's activity over the run.
type DiskCounters struct {
	Writes       uint64 `json:"writes"`
	BytesWritten uint64 `json:"bytes_written"`
	Syncs        uint64 `json:"syncs"`
	Crashes      uint64 `json:"crashes"`
	LostWrites   uint64 `json:"lost_writes"` // unsynced operations discarded by crashes
	TornWrites   uint64 `json:"torn_writes"`
	// TornGarbage of the torn writes left garbage after their prefix.
	TornGarbage uint64 `json:"torn_garbage"`
	// WrittenBack counts unsynced operations a crash found on the disk
	// after all (DiskConfig.Writeback).
	WrittenBack uint64 `json:"written_back,omitempty"`
	// Wipes counts the times the disk was replaced by an empty one.
	Wipes uint64 `json:"wipes,omitempty"`
}

type diskOpKind uint8

const (
	opAppend diskOpKind = iota
	opTruncate
	opRename
	opRemove
)

type diskOp struct {
	kind diskOpKind
	name string
	to   string // opRename: the new name
	data []byte // opAppend: what was appended (a private copy)
	size int    // opTruncate: the new size
}

// Disk is a node's simulated disk: a flat set of named files.
//
// It keeps two images. The visible image is what the node reads and writes
// while it runs. The durable image is what a crash leaves: every operation
// goes to the visible image at once and to the durable image only when an
// fsync that was started after it completes. Operations become durable in
// the order they were made, as on a file system with ordered metadata; so a
// crash leaves the durable image, plus, sometimes, a torn prefix of the
// first operation that was not yet durable (a write in flight to the
// platter). Nothing later than a lost write ever survives it.
//
// Writes are not atomic: WriteFile is a truncate and an append, and a crash
// between them (or in the middle of the append) leaves a short file. Code
// that must replace a file atomically writes a new file, syncs it, and
// renames it over the old one, as on a real disk.
type Disk struct {
	visible map[string][]byte
	durable map[string][]byte
	// pending are the operations not yet durable, oldest first; pendingBase
	// is the sequence number of pending[0] (operations are numbered from 0
	// over the disk's life).
	pending     []diskOp
	pendingBase uint64
	counters    DiskCounters
	// rewrites counts operations other than appends that reached the
	// durable image (see DurableRewrites).
	rewrites uint64
	// damage is what FlipBit did since the last Wipe, and preDamage the
	// durable files before it (disk_damage.go).
	damage    []Damage
	preDamage map[string][]byte
}

func newDisk() *Disk {
	return &Disk{visible: map[string][]byte{}, durable: map[string][]byte{}}
}

// Append appends data to the file, creating it if needed.
func (d *Disk) Append(name string, data []byte) {
	c := append([]byte(nil), data...)
	d.record(diskOp{kind: opAppend, name: name, data: c})
	d.counters.BytesWritten += uint64(len(data))
}

// WriteFile replaces the file's content. It is not atomic (see Disk).
func (d *Disk) WriteFile(name string, data []byte) {
	d.Truncate(name, 0)
	d.Append(name, data)
}

// Truncate cuts the file to size bytes (a size beyond its end changes
// nothing), creating an empty file if there is none.
func (d *Disk) Truncate(name string, size int) {
	if size < 0 {
		size = 0
	}
	d.record(diskOp{kind: opTruncate, name: name, size: size})
}

// Rename moves a file to a new name, replacing any file there. It is atomic:
// after a crash the file is under one name or the other.
func (d *Disk) Rename(from, to string) {
	d.record(diskOp{kind: opRename, name: from, to: to})
}

// Remove deletes a file.
func (d *Disk) Remove(name string) {
	d.record(diskOp{kind: opRemove, name: name})
}

// ReadFile returns a copy of the file's visible content; ok is false when
// there is no such file.
func (d *Disk) ReadFile(name string) (data []byte, ok bool) {
	b, ok := d.visible[name]
	if !ok {
		return nil, false
	}
	return append([]byte(nil), b...), true
}

// Durable is the file's durable content: what a crash now would leave,
// torn writes aside. It is the disk's own buffer, for oracles that read it
// often: the caller must not modify it, and it is valid only until the
// disk's next operation, fsync or crash.
func (d *Disk) Durable(name string) []byte { return d.durable[name] }

// DurableRewrites counts the truncations, renames and removals that have
// reached the durable image. While it stays the same, each durable file
// only grows, so a reader that has decoded a prefix of it may go on from
// where it stopped.
func (d *Disk) DurableRewrites() uint64 { return d.rewrites }

// Size is the visible size of the file, -1 when there is none.
func (d *Disk) Size(name string) int {
	b, ok := d.visible[name]
	if !ok {
		return -1
	}
	return len(b)
}

// Files lists the visible files in name order.
func (d *Disk) Files() []string {
	names := make([]string, 0, len(d.visible))
	for n := range d.visible {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Unsynced is the number of operations not yet durable.
func (d *Disk) Unsynced() int { return len(d.pending) }

// Counters are the disk's activity so far.
func (d *Disk) Counters() DiskCounters { return d.counters }

func (d *Disk) record(op diskOp) {
	d.counters.Writes++
	apply(d.visible, op)
	d.pending = append(d.pending, op)
}

// mark is the sequence number the next operation will get; an fsync started
// now makes every operation before the mark durable.
func (d *Disk) mark() uint64 { return d.pendingBase + uint64(len(d.pending)) }

// makeDurable applies to the durable image every pending operation numbered
// below mark. Calling it again with the same or an older mark does nothing.
func (d *Disk) makeDurable(mark uint64) {
	if mark <= d.pendingBase {
		return
	}
	n := int(mark - d.pendingBase)
	for i := 0; i < n; i++ {
		if d.pending[i].kind != opAppend {
			d.rewrites++
		}
		apply(d.durable, d.pending[i])
		d.pending[i] = diskOp{}
	}
	d.pending = d.pending[n:]
	if len(d.pending) == 0 {
		d.pending = nil // let the backing array go
	}
	d.pendingBase = mark
}

// crash discards everything not durable, except, with probability
// writeback, a prefix of it that the disk wrote back on its own. With
// probability torn, a strict
// non-empty prefix of the oldest pending append survives, and, by a draw
// from garbage, half the time the rest of its length is garbage. It
// returns the number of bytes of that torn prefix (0 when nothing was
// torn). The garbage has a stream of its own, so that choosing it shifts
// no fsync latency of the disk's stream.
func (d *Disk) crash(rand, garbage *Stream, torn, writeback Probability) (tornBytes int) {
	d.counters.Crashes++
	if len(d.pending) > 0 && rand.Chance(writeback) {
		// The disk wrote the oldest unsynced operations back before the
		// crash, in order: a prefix of them survives.
		k := 1 + int(rand.Below(uint64(len(d.pending))))
		d.counters.WrittenBack += uint64(k)
		d.makeDurable(d.pendingBase + uint64(k))
	}
	d.counters.LostWrites += uint64(len(d.pending))
	if len(d.pending) > 0 && d.pending[0].kind == opAppend && len(d.pending[0].data) > 1 && rand.Chance(torn) {
		op := d.pending[0]
		tornBytes = 1 + int(rand.Below(uint64(len(op.data)-1)))
		data := op.data[:tornBytes:tornBytes]
		if garbage.Chance(Prob(0.5)) {
			for len(data) < len(op.data) {
				data = append(data, byte(garbage.Uint64()))
			}
			d.counters.TornGarbage++
		}
		op.data = data
		apply(d.durable, op)
		d.counters.TornWrites++
	}
	d.pendingBase += uint64(len(d.pending))
	d.pending = nil
	d.visible = make(map[string][]byte, len(d.durable))
	for name, b := range d.durable {
		d.visible[name] = append([]byte(nil), b...)
	}
	return tornBytes
}

func apply(files map[string][]byte, op diskOp) {
	switch op.kind {
	case opAppend:
		files[op.name] = append(files[op.name], op.data...)
	case opTruncate:
		b := files[op.name]
		if op.size < len(b) {
			b = b[:op.size]
		}
		if b == nil {
			b = []byte{}
		}
		files[op.name] = b
	case opRename:
		if b, ok := files[op.name]; ok {
			files[op.to] = b
			delete(files, op.name)
		}
	case opRemove:
		delete(files, op.name)
	}
}
