package harness

// Damage the node did not write: bit rot and failed sectors, and the
// operator's remedy, a new disk. A disk that was damaged remembers it (and
// what it held before) until it is wiped, so that a node starting on it is
// held to refusing what it cannot read, and the checkers can judge Raft by
// what the disk held before the damage: the damage is the disk's fault, not
// Raft's.

// Damage says where a disk was damaged.
type Damage struct {
	File string
	Off  int
	Bit  uint
}

// FlipBit flips one bit of a file as the disk holds it, durable and visible
// alike, and reports whether the file has that byte. The disk should be
// idle (its node down): a write still pending would put the flipped byte
// back.
func (d *Disk) FlipBit(name string, off int, bit uint) bool {
	b, ok := d.durable[name]
	if !ok || off < 0 || off >= len(b) {
		return false
	}
	if d.preDamage == nil {
		d.preDamage = make(map[string][]byte, len(d.durable))
		for n, data := range d.durable {
			d.preDamage[n] = append([]byte(nil), data...)
		}
	}
	b[off] ^= 1 << (bit % 8)
	if v, ok := d.visible[name]; ok && off < len(v) && &v[0] != &b[0] {
		v[off] ^= 1 << (bit % 8)
	}
	d.damage = append(d.damage, Damage{File: name, Off: off, Bit: bit % 8})
	return true
}

// Damaged lists the damage done since the disk was last wiped.
func (d *Disk) Damaged() []Damage { return d.damage }

// Undamaged is the file's durable content as it was before the first
// damage since the last wipe (Durable while there is none). The caller
// must not modify it.
func (d *Disk) Undamaged(name string) []byte {
	if d.preDamage != nil {
		return d.preDamage[name]
	}
	return d.durable[name]
}

// WipeLeaving is Wipe, with one empty file on the new disk, durable: the
// operator's note to the node that it lost its state.
func (d *Disk) WipeLeaving(name string) {
	d.Wipe()
	d.durable[name] = []byte{}
	d.visible[name] = []byte{}
}

// Wipe replaces the disk by an empty one: every file is gone, durably,
// and so is the record of its damage. It counts as a rewrite
// (DurableRewrites).
func (d *Disk) Wipe() {
	d.visible = map[string][]byte{}
	d.durable = map[string][]byte{}
	d.pendingBase += uint64(len(d.pending))
	d.pending = nil
	d.preDamage, d.damage = nil, nil
	d.rewrites++
	d.counters.Wipes++
}
