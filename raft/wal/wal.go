package wal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"

	"raftcheck/raft"
)

// The kinds of records.
const (
	kindHardState byte = 1
	kindEntry     byte = 2
)

const headerSize = 8

// maxRecord bounds a record's length field: a larger one is garbage (a torn
// or corrupt header), not a record to allocate for.
const maxRecord = 1 << 30

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// State is what a WAL holds: the latest HardState and the log.
type State struct {
	HardState raft.HardState
	Entries   []raft.Entry
}

// AppendHardState appends a HardState record to b.
func AppendHardState(b []byte, hs raft.HardState) []byte {
	var p [1 + 3*binary.MaxVarintLen64]byte
	p[0] = kindHardState
	n := 1
	n += binary.PutUvarint(p[n:], hs.Term)
	n += binary.PutUvarint(p[n:], hs.Vote)
	n += binary.PutUvarint(p[n:], hs.Commit)
	return appendRecord(b, p[:n])
}

// AppendEntry appends an entry record to b. When the log is read back, an
// entry at index i replaces the entry at i and everything after it, which
// is how a follower's truncation of a conflicting suffix is recorded.
func AppendEntry(b []byte, e raft.Entry) []byte {
	p := make([]byte, 0, 1+2*binary.MaxVarintLen64+1+len(e.Data))
	p = append(p, kindEntry)
	p = binary.AppendUvarint(p, e.Term)
	p = binary.AppendUvarint(p, e.Index)
	p = append(p, byte(e.Type))
	p = append(p, e.Data...)
	return appendRecord(b, p)
}

func appendRecord(b, body []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(body)))
	b = binary.BigEndian.AppendUint32(b, crc32.Checksum(body, castagnoli))
	return append(b, body...)
}

// ErrCorrupt is wrapped by Decode's errors for records whose checksum is
// right but whose content cannot be a log the writer made.
var ErrCorrupt = errors.New("wal: corrupt record")

// Decode reads a WAL. It returns the state the whole records describe and
// valid, the length of the prefix made of whole records; bytes after valid
// are a torn or corrupt tail to discard. An error means a record with a
// good checksum broke the log's rules (an entry that leaves a gap): that is
// a bug in the writer, not a crash, and the caller must not carry on.
func Decode(data []byte) (st State, valid int, err error) {
	off := 0
	for {
		body, next, ok := nextRecord(data, off)
		if !ok {
			return st, off, nil
		}
		if err := st.apply(body); err != nil {
			return st, off, fmt.Errorf("record at byte %d: %w", off, err)
		}
		off = next
	}
}

// nextRecord returns the body of the record at off and the offset after
// it; ok is false when no whole record with a matching checksum is there.
func nextRecord(data []byte, off int) (body []byte, next int, ok bool) {
	if len(data)-off < headerSize {
		return nil, 0, false
	}
	n := binary.BigEndian.Uint32(data[off:])
	sum := binary.BigEndian.Uint32(data[off+4:])
	if n == 0 || n > maxRecord || uint64(len(data)-off-headerSize) < uint64(n) {
		return nil, 0, false
	}
	body = data[off+headerSize : off+headerSize+int(n)]
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, 0, false
	}
	return body, off + headerSize + int(n), true
}

func (st *State) apply(body []byte) error {
	kind, p := body[0], body[1:]
	switch kind {
	case kindHardState:
		var hs raft.HardState
		var ok bool
		if hs.Term, p, ok = uvarint(p); !ok {
			return fmt.Errorf("%w: hard state term", ErrCorrupt)
		}
		if hs.Vote, p, ok = uvarint(p); !ok {
			return fmt.Errorf("%w: hard state vote", ErrCorrupt)
		}
		if hs.Commit, _, ok = uvarint(p); !ok {
			return fmt.Errorf("%w: hard state commit", ErrCorrupt)
		}
		st.HardState = hs
	case kindEntry:
		var e raft.Entry
		var ok bool
		if e.Term, p, ok = uvarint(p); !ok {
			return fmt.Errorf("%w: entry term", ErrCorrupt)
		}
		if e.Index, p, ok = uvarint(p); !ok || len(p) < 1 {
			return fmt.Errorf("%w: entry index", ErrCorrupt)
		}
		e.Type = raft.EntryType(p[0])
		if len(p) > 1 {
			e.Data = append([]byte(nil), p[1:]...)
		}
		last := uint64(len(st.Entries))
		if e.Index == 0 || e.Index > last+1 {
			return fmt.Errorf("%w: entry %d leaves a gap after %d", ErrCorrupt, e.Index, last)
		}
		st.Entries = append(st.Entries[:e.Index-1], e)
	default:
		return fmt.Errorf("%w: unknown kind %d", ErrCorrupt, kind)
	}
	return nil
}

func uvarint(p []byte) (uint64, []byte, bool) {
	v, n := binary.Uvarint(p)
	if n <= 0 {
		return 0, p, false
	}
	return v, p[n:], true
}
