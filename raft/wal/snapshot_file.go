package wal

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"

	"raftcheck/raft"
)

// A snapshot file holds one snapshot, whole:
//
//	magic   8 bytes, "RCSNAP1\n"
//	index   uvarint: the last index the snapshot covers
//	term    uvarint: that entry's term
//	conf    the configuration in force there: three lists (voters,
//	        outgoing voters, learners), each a uvarint count and that many
//	        uvarint ids, then one byte, 1 if it is left automatically
//	length  uvarint: the length of data
//	data    the caller's state machine
//	crc     uint32, big-endian: CRC-32C of everything before it
//
// It is written under a temporary name, then renamed over the previous
// snapshot, so a crash leaves the old file or the new one, never part of
// one. A checksum that does not match is therefore damage, not a torn
// write, and is reported as ErrCorrupt.
var snapshotMagic = []byte("RCSNAP1\n")

// EncodeSnapshot returns the snapshot file for snap.
func EncodeSnapshot(snap raft.Snapshot) []byte {
	b := make([]byte, 0, len(snapshotMagic)+3*binary.MaxVarintLen64+len(snap.Data)+4)
	b = append(b, snapshotMagic...)
	b = binary.AppendUvarint(b, snap.Meta.Index)
	b = binary.AppendUvarint(b, snap.Meta.Term)
	for _, ids := range [][]uint64{snap.Conf.Voters, snap.Conf.VotersOutgoing, snap.Conf.Learners} {
		b = binary.AppendUvarint(b, uint64(len(ids)))
		for _, id := range ids {
			b = binary.AppendUvarint(b, id)
		}
	}
	autoLeave := byte(0)
	if snap.Conf.AutoLeave {
		autoLeave = 1
	}
	b = append(b, autoLeave)
	b = binary.AppendUvarint(b, uint64(len(snap.Data)))
	b = append(b, snap.Data...)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli()))
}

// DecodeSnapshot reads a snapshot file. Data aliases b. Any damage,
// including a file cut short, is an error wrapping ErrCorrupt.
func DecodeSnapshot(b []byte) (raft.Snapshot, error) {
	var snap raft.Snapshot
	if len(b) < len(snapshotMagic)+4 || !bytes.Equal(b[:len(snapshotMagic)], snapshotMagic) {
		return snap, fmt.Errorf("%w: not a snapshot file (%d bytes)", ErrCorrupt, len(b))
	}
	body, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(body, castagnoli()) != sum {
		return snap, fmt.Errorf("%w: snapshot file checksum does not match", ErrCorrupt)
	}
	p := body[len(snapshotMagic):]
	var ok bool
	var size uint64
	if snap.Meta.Index, p, ok = uvarint(p); !ok {
		return snap, fmt.Errorf("%w: snapshot index", ErrCorrupt)
	}
	if snap.Meta.Term, p, ok = uvarint(p); !ok {
		return snap, fmt.Errorf("%w: snapshot term", ErrCorrupt)
	}
	for _, ids := range []*[]uint64{&snap.Conf.Voters, &snap.Conf.VotersOutgoing, &snap.Conf.Learners} {
		var n uint64
		if n, p, ok = uvarint(p); !ok || n > uint64(len(p)) {
			return snap, fmt.Errorf("%w: snapshot configuration", ErrCorrupt)
		}
		for range n {
			var id uint64
			if id, p, ok = uvarint(p); !ok || id == 0 || (len(*ids) > 0 && id <= (*ids)[len(*ids)-1]) {
				return snap, fmt.Errorf("%w: snapshot configuration ids", ErrCorrupt)
			}
			*ids = append(*ids, id)
		}
	}
	if len(p) < 1 || p[0] > 1 {
		return snap, fmt.Errorf("%w: snapshot configuration", ErrCorrupt)
	}
	snap.Conf.AutoLeave, p = p[0] == 1, p[1:]
	if len(snap.Conf.Voters) == 0 {
		return snap, fmt.Errorf("%w: a snapshot configuration with no voters", ErrCorrupt)
	}
	if size, p, ok = uvarint(p); !ok || size != uint64(len(p)) {
		return snap, fmt.Errorf("%w: snapshot data length", ErrCorrupt)
	}
	if snap.Meta.Index == 0 || snap.Meta.Term == 0 {
		return snap, fmt.Errorf("%w: snapshot %d/t%d covers nothing", ErrCorrupt, snap.Meta.Index, snap.Meta.Term)
	}
	snap.Data = p
	return snap, nil
}
