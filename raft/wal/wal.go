package wal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"sync"

	"raftcheck/raft"
)

// The kinds of records.
const (
	kindHardState byte = 1
	kindEntry     byte = 2
	// kindStart says the log starts after a snapshot: every entry up to
	// the snapshot's index is in the snapshot, not here.
	kindStart byte = 3
)

const headerSize = 8

// maxRecord bounds a record's length field: a larger one is garbage (a torn
// or corrupt header), not a record to allocate for.
const maxRecord = 1 << 30

// castagnoli is built on first use, not at init: a command that never
// checksums (raftcheck check) should not pay for the table at start-up.
var castagnoli = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) })

// State is what a WAL holds: the latest HardState, the snapshot its log
// starts after (zero if it starts at index 1), and the log after it.
type State struct {
	HardState raft.HardState
	Start     raft.SnapshotMeta
	Entries   []raft.Entry
}

// LastIndex is the index of the WAL's last entry (Start's if it has none).
func (st State) LastIndex() uint64 { return st.Start.Index + uint64(len(st.Entries)) }

// Term is the term of the entry at index, if the WAL holds it (Start's
// own index included).
func (st State) Term(index uint64) (uint64, bool) {
	switch {
	case index == st.Start.Index:
		return st.Start.Term, true
	case index < st.Start.Index || index > st.LastIndex():
		return 0, false
	}
	return st.Entries[index-st.Start.Index-1].Term, true
}

// After returns the log to recover alongside snap, the snapshot on disk
// (zero if none): the entries that follow it. Writing a snapshot and
// starting a WAL after it are two steps, in that order, so a crash between
// them leaves a snapshot newer than the WAL's start. The snapshot is of
// committed state, so the WAL's entries after it are kept if the WAL holds
// the snapshot's last entry (by Log Matching they follow it), and
// discarded otherwise: they belong to a log the snapshot replaced
// (thesis Figure 13, steps 6 and 7). A WAL that starts after a later
// snapshot than the one on disk, or after another at the same index, was
// not written by this codec's caller: ErrCorrupt.
func (st State) After(snap raft.SnapshotMeta) ([]raft.Entry, error) {
	switch {
	case snap.Index < st.Start.Index:
		return nil, fmt.Errorf("%w: the log starts after snapshot %d/t%d, but the snapshot on disk is %d/t%d", ErrCorrupt, st.Start.Index, st.Start.Term, snap.Index, snap.Term)
	case snap.Index == st.Start.Index && snap.Term != st.Start.Term:
		return nil, fmt.Errorf("%w: the log starts after snapshot %d/t%d, but the snapshot on disk is of term %d", ErrCorrupt, st.Start.Index, st.Start.Term, snap.Term)
	}
	if t, ok := st.Term(snap.Index); ok && t == snap.Term {
		return st.Entries[snap.Index-st.Start.Index:], nil
	}
	return nil, nil
}

// AppendStart appends a record saying the log starts after the snapshot
// meta describes: the entries read before it are forgotten, and the next
// entry must be meta.Index+1. A WAL rewritten after a snapshot begins with
// a HardState and this.
func AppendStart(b []byte, meta raft.SnapshotMeta) []byte {
	var p [1 + 2*binary.MaxVarintLen64]byte
	p[0] = kindStart
	n := 1
	n += binary.PutUvarint(p[n:], meta.Index)
	n += binary.PutUvarint(p[n:], meta.Term)
	return appendRecord(b, p[:n])
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
	b = binary.BigEndian.AppendUint32(b, crc32.Checksum(body, castagnoli()))
	return append(b, body...)
}

// ErrCorrupt is wrapped by Decode's errors for a WAL that a crash cannot
// have left: a record whose checksum is right but whose content cannot be
// a log the writer made, or a damaged record with records after it.
var ErrCorrupt = errors.New("wal: corrupt record")

// Decode reads a WAL. It returns the state the whole records describe and
// valid, the length of the prefix made of whole records; bytes after valid
// are a torn tail to discard. An error (wrapping ErrCorrupt) means the WAL
// is damaged, not torn, and the caller must not carry on: a record with a
// good checksum broke the log's rules (an entry that leaves a gap: a bug in
// the writer), or a record before the last does not match its checksum
// (the disk changed bytes that were written, and perhaps synced, before
// the records that follow; cutting there would silently drop votes and
// acknowledgements the node gave).
func Decode(data []byte) (st State, valid int, err error) {
	valid, err = Scan(data, 0, Records{
		HardState: func(hs raft.HardState) { st.HardState = hs },
		Start: func(meta raft.SnapshotMeta) error {
			st.Start, st.Entries = meta, nil
			return nil
		},
		Entry: func(e raft.Entry) error {
			last := st.LastIndex()
			switch {
			case e.Index <= st.Start.Index:
				return fmt.Errorf("%w: entry %d is in the snapshot the log starts after (%d)", ErrCorrupt, e.Index, st.Start.Index)
			case e.Index > last+1:
				return fmt.Errorf("%w: entry %d leaves a gap after %d", ErrCorrupt, e.Index, last)
			}
			if len(e.Data) > 0 {
				e.Data = append([]byte(nil), e.Data...)
			}
			st.Entries = append(st.Entries[:e.Index-st.Start.Index-1], e)
			return nil
		},
	})
	return st, valid, err
}

// Records are what Scan calls for each kind of record.
type Records struct {
	HardState func(raft.HardState)
	// Start is a log that starts over after a snapshot.
	Start func(raft.SnapshotMeta) error
	// Entry's Data aliases the scanned bytes.
	Entry func(raft.Entry) error
}

// Scan reads the whole records of data from byte off on, which must be
// where a record starts (0, or a valid returned before), and calls the
// function of each record's kind, in order. It returns the offset after
// the last whole record, so a reader of a WAL that only grows can decode
// each new part once; the error is a record Decode would refuse, or one a
// function returned, with valid the record's start.
func Scan(data []byte, off int, v Records) (valid int, err error) {
	for {
		body, next, r := nextRecord(data, off)
		switch r {
		case recordTorn:
			return off, nil
		case recordDamaged:
			// A torn write can leave this too: its prefix, then garbage
			// to the write's length (a disk that allocated the blocks but
			// never wrote them), so that a record is whole in length but
			// not in content, with more garbage after it. What a torn
			// write cannot leave is a whole, matching record after it:
			// that was written after the damaged one, which therefore was
			// not the torn tail but damaged once on disk.
			if _, _, after := nextRecord(data, next); after != recordWhole {
				return off, nil
			}
			return off, fmt.Errorf("record at byte %d: %w: its checksum does not match, and a whole record follows it at byte %d: the disk was damaged, not torn by a crash",
				off, ErrCorrupt, next)
		}
		err := visitRecord(body, v)
		if err != nil {
			return off, fmt.Errorf("record at byte %d: %w", off, err)
		}
		off = next
	}
}

// recordState is what nextRecord found at an offset.
type recordState int

const (
	recordWhole recordState = iota
	// recordTorn is a record cut short: fewer bytes than its header
	// promises, or a header that cannot be one (zero or absurd length).
	recordTorn
	// recordDamaged is a record whole in length whose checksum does not
	// match its bytes.
	recordDamaged
)

// nextRecord returns the body of the record at off and the offset after
// it (for a damaged record too), and what it found there.
func nextRecord(data []byte, off int) (body []byte, next int, r recordState) {
	if len(data)-off < headerSize {
		return nil, 0, recordTorn
	}
	n := binary.BigEndian.Uint32(data[off:])
	sum := binary.BigEndian.Uint32(data[off+4:])
	if n == 0 || n > maxRecord || uint64(len(data)-off-headerSize) < uint64(n) {
		return nil, 0, recordTorn
	}
	next = off + headerSize + int(n)
	body = data[off+headerSize : next]
	if crc32.Checksum(body, castagnoli()) != sum {
		return nil, next, recordDamaged
	}
	return body, next, recordWhole
}

// visitRecord decodes a record's body and calls v's function for its kind.
func visitRecord(body []byte, v Records) error {
	kind, p := body[0], body[1:]
	var ok bool
	switch kind {
	case kindHardState:
		var hs raft.HardState
		if hs.Term, p, ok = uvarint(p); !ok {
			return fmt.Errorf("%w: hard state term", ErrCorrupt)
		}
		if hs.Vote, p, ok = uvarint(p); !ok {
			return fmt.Errorf("%w: hard state vote", ErrCorrupt)
		}
		if hs.Commit, _, ok = uvarint(p); !ok {
			return fmt.Errorf("%w: hard state commit", ErrCorrupt)
		}
		v.HardState(hs)
		return nil
	case kindEntry:
		var e raft.Entry
		if e.Term, p, ok = uvarint(p); !ok {
			return fmt.Errorf("%w: entry term", ErrCorrupt)
		}
		if e.Index, p, ok = uvarint(p); !ok || len(p) < 1 {
			return fmt.Errorf("%w: entry index", ErrCorrupt)
		}
		e.Type = raft.EntryType(p[0])
		if len(p) > 1 {
			e.Data = p[1:]
		}
		return v.Entry(e)
	case kindStart:
		var meta raft.SnapshotMeta
		if meta.Index, p, ok = uvarint(p); !ok {
			return fmt.Errorf("%w: start index", ErrCorrupt)
		}
		if meta.Term, _, ok = uvarint(p); !ok {
			return fmt.Errorf("%w: start term", ErrCorrupt)
		}
		if (meta.Index == 0) != (meta.Term == 0) {
			return fmt.Errorf("%w: start %d/t%d", ErrCorrupt, meta.Index, meta.Term)
		}
		return v.Start(meta)
	}
	return fmt.Errorf("%w: unknown kind %d", ErrCorrupt, kind)
}

func uvarint(p []byte) (uint64, []byte, bool) {
	v, n := binary.Uvarint(p)
	if n <= 0 {
		return 0, p, false
	}
	return v, p[n:], true
}

// Span is where one whole record lies in a WAL: Off is its first byte,
// Len its length with the header.
type Span struct{ Off, Len int }

// Spans are the whole records of data from its start, in order, up to the
// first that is torn or damaged. A record's checksum covers every byte of
// it after the length field; damage there to any record but the last is
// what Decode refuses (ErrCorrupt), which a test of corruption detection
// aims at.
func Spans(data []byte) []Span {
	var out []Span
	for off := 0; ; {
		_, next, r := nextRecord(data, off)
		if r != recordWhole {
			return out
		}
		out = append(out, Span{Off: off, Len: next - off})
		off = next
	}
}
