package kv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// A snapshot is the store's replicated state in one canonical encoding, so
// that Raft can compact the log behind it and a follower can install it:
// the same state always gives the same bytes, and Restore accepts only the
// bytes Snapshot could have written, so whatever Restore accepts re-encodes
// to itself. Integers are varints of minimal length (encoding/binary);
// a string is its length then its bytes; a sequence is its count then its
// items. In order:
//
//	"RCKV", version 1
//	applied, clock, nextScan, digest, sessionsHash
//	registers  count, then by ascending key: key, value
//	counters   count, then by ascending key: key, value (at least 1)
//	sets       count, then by ascending key: key, members (at least one, ascending)
//	lists      count, then by ascending key: key, elements (at least one, in append order)
//	sessions   count, then by ascending id: id, lastSeq, lastActive, last
//
// A session's last outcome is the byte 0 while the session has applied no
// command, or CmdOp then the status, the result's flags (snapshotOK,
// snapshotPresent, snapshotList), its value and, when snapshotList is set,
// its list. Its Session and Seq are the session's id and lastSeq, so they
// are not written.
//
// The client sessions are state like the data: without them a retried
// command would be applied again on a node that installed the snapshot
// (BugSnapshotWithoutSessions). Not in a snapshot: the configuration (ttl,
// the planted bugs' switches), what this incarnation counted (retries) and
// the sessions the last Apply expired. There is no checksum: the caller
// keeps the snapshot in a file or message that has one.
const (
	snapshotMagic   = "RCKV"
	snapshotVersion = 1
)

// The flags of a cached result.
const (
	snapshotOK      = 1 << 0 // Result.OK
	snapshotPresent = 1 << 1 // Result.Present
	snapshotList    = 1 << 2 // Result.List is not nil (it may be empty: the members of an empty set)
)

// Snapshot returns the store's replicated state in its canonical encoding.
func (s *Store) Snapshot() []byte { return s.snapshot(false) }

// snapshot encodes the store. forgetSessions is the planted bug
// BugSnapshotWithoutSessions: every session is written as if it had just
// registered (lastSeq 0, no cached outcome), so a node that installs the
// snapshot still knows the session but not what it last did, and applies
// its retried command again. The sessions hash is written to match, as an
// implementation that derives it from the sessions would: the snapshot is
// well formed, only wrong.
func (s *Store) snapshot(forgetSessions bool) []byte {
	b := make([]byte, 0, 64)
	b = append(b, snapshotMagic...)
	b = append(b, snapshotVersion)
	b = binary.AppendUvarint(b, s.applied)
	b = binary.AppendVarint(b, s.clock)
	b = binary.AppendVarint(b, s.nextScan)
	b = binary.AppendUvarint(b, uint64(s.digest))
	ids := sortedKeys(s.sessions)
	hash := s.sessionsHash
	if forgetSessions {
		hash = 0
		for _, id := range ids {
			hash += sessionTerm(id, 0)
		}
	}
	b = binary.AppendUvarint(b, hash)

	b = appendByKey(b, s.data.registers, binary.AppendVarint)
	b = appendByKey(b, s.data.counters, binary.AppendVarint)
	b = appendByKey(b, s.data.sets, func(b []byte, set map[int64]struct{}) []byte {
		return appendInts(b, sortedKeys(set))
	})
	b = appendByKey(b, s.data.lists, appendInts)

	b = binary.AppendUvarint(b, uint64(len(ids)))
	for _, id := range ids {
		sess := s.sessions[id]
		b = binary.AppendUvarint(b, id)
		if forgetSessions {
			b = binary.AppendUvarint(b, 0)
			b = binary.AppendVarint(b, sess.lastActive)
			b = append(b, 0)
			continue
		}
		b = binary.AppendUvarint(b, sess.lastSeq)
		b = binary.AppendVarint(b, sess.lastActive)
		b = appendOutcome(b, sess.last)
	}
	return b
}

// appendByKey writes a map's size, then its entries in ascending key order,
// each value by value.
func appendByKey[V any](b []byte, m map[string]V, value func([]byte, V) []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(m)))
	for _, e := range sortedEntries(m) {
		b = binary.AppendUvarint(b, uint64(len(e.key)))
		b = append(b, e.key...)
		b = value(b, e.value)
	}
	return b
}

// keyed is one entry of a map with string keys.
type keyed[V any] struct {
	key   string
	value V
}

// sortedEntries returns a map's entries in ascending key order: walking
// them, not the map, is what makes a snapshot independent of Go's map
// order. Sorting the entries, not the keys, spares a second, random,
// lookup of every key (a fifth of the time with a million keys).
func sortedEntries[V any](m map[string]V) []keyed[V] {
	entries := make([]keyed[V], 0, len(m))
	for k, v := range m {
		entries = append(entries, keyed[V]{k, v})
	}
	slices.SortFunc(entries, func(a, b keyed[V]) int { return strings.Compare(a.key, b.key) })
	return entries
}

func appendInts(b []byte, vs []int64) []byte {
	b = binary.AppendUvarint(b, uint64(len(vs)))
	for _, v := range vs {
		b = binary.AppendVarint(b, v)
	}
	return b
}

func appendOutcome(b []byte, out Outcome) []byte {
	if out.Kind != CmdOp {
		// A session that has applied no command yet caches the zero
		// Outcome; sessions cache nothing else.
		return append(b, 0)
	}
	r := out.Result
	var flags byte
	if r.OK {
		flags |= snapshotOK
	}
	if r.Present {
		flags |= snapshotPresent
	}
	if r.List != nil {
		flags |= snapshotList
	}
	b = append(b, byte(CmdOp), byte(out.Status), flags)
	b = binary.AppendVarint(b, r.Value)
	if r.List != nil {
		b = appendInts(b, r.List)
	}
	return b
}

// sortedKeys returns a map's keys in ascending order, for the same reason.
func sortedKeys[K int64 | uint64, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Restore replaces the store's replicated state with the one a snapshot
// holds. The configuration (ttl, the planted bugs' switches) and the count
// of retries stay as they are. A snapshot that is not one Snapshot could
// have written is refused with an error, and the store is left unchanged:
// it is decoded whole into new structures before any of the store's
// fields is touched.
func (s *Store) Restore(b []byte) error {
	st, err := decodeSnapshot(b)
	if err == nil && s.ttl > 0 && st.nextScan > st.clock+s.ttl/8 {
		// Each scan for idle sessions sets the next one ttl/8 after the
		// clock of that moment, and the clock only moves forward: a later
		// one would keep sessions from ever expiring here.
		err = fmt.Errorf("the next session scan is at %d, beyond the clock %d plus a scan interval %d", st.nextScan, st.clock, s.ttl/8)
	}
	if err != nil {
		return fmt.Errorf("kv: restoring a snapshot of %d bytes: %w", len(b), err)
	}
	s.data, s.sessions = st.data, st.sessions
	s.applied, s.clock, s.nextScan = st.applied, st.clock, st.nextScan
	s.digest, s.sessionsHash = st.digest, st.sessionsHash
	s.expired = s.expired[:0] // no Apply has expired anything yet
	return nil
}

// snapshotState is a decoded snapshot: the fields of a Store it replaces.
type snapshotState struct {
	data            data
	sessions        map[uint64]*session
	applied         uint64
	clock, nextScan int64
	digest          digest
	sessionsHash    uint64
}

func decodeSnapshot(b []byte) (*snapshotState, error) {
	switch {
	case !bytes.HasPrefix(b, []byte(snapshotMagic)):
		return nil, fmt.Errorf("not a store snapshot: it does not start with %q", snapshotMagic)
	case len(b) == len(snapshotMagic):
		return nil, errors.New("truncated before the version")
	case b[len(snapshotMagic)] != snapshotVersion:
		return nil, fmt.Errorf("snapshot version %d, but this store reads version %d", b[len(snapshotMagic)], snapshotVersion)
	}
	r := &snapshotReader{b: b[len(snapshotMagic)+1:], size: len(b)}
	st := &snapshotState{}
	st.applied = r.uvarint("applied")
	st.clock = r.varint("clock")
	st.nextScan = r.varint("nextScan")
	st.digest = digest(r.uvarint("digest"))
	st.sessionsHash = r.uvarint("sessions hash")
	st.data.registers = readByKey(r, "register", 2, func(string) int64 { return r.varint("register value") })
	st.data.counters = readByKey(r, "counter", 2, r.counter)
	st.data.sets = readByKey(r, "set", 3, r.set)
	st.data.lists = readByKey(r, "list", 3, r.list)
	st.sessions = r.sessions(st)
	if r.err == nil && len(r.b) > 0 {
		r.failf("%d trailing bytes", len(r.b))
	}
	if r.err != nil {
		return nil, r.err
	}
	return st, nil
}

// snapshotReader reads a snapshot's fields in order, remembering the first
// error; once it has one every read returns the zero value, and loops stop.
// Every count is checked against the bytes left before anything is
// allocated for it, so a corrupt count cannot make Restore allocate more
// than a small multiple of the snapshot's own size.
type snapshotReader struct {
	b    []byte // what is left to read
	size int    // of the whole snapshot, to say where an error is
	err  error
}

func (r *snapshotReader) failf(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("at byte %d: %s", r.size-len(r.b), fmt.Sprintf(format, args...))
	}
	r.b = nil
}

func (r *snapshotReader) byte(what string) byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) == 0 {
		r.failf("truncated in %s", what)
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

// uvarint reads a varint, refusing one longer than it need be: only the
// minimal encoding is canonical.
func (r *snapshotReader) uvarint(what string) uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	switch {
	case n == 0:
		r.failf("truncated in %s", what)
	case n < 0:
		r.failf("%s overflows 64 bits", what)
	case n > 1 && r.b[n-1] == 0:
		r.failf("%s is not minimally encoded", what)
	default:
		r.b = r.b[n:]
		return v
	}
	return 0
}

// varint reads a signed varint: a zig-zag uvarint, as binary.AppendVarint
// writes it.
func (r *snapshotReader) varint(what string) int64 {
	u := r.uvarint(what)
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

// count reads the length of a sequence whose items take at least minSize
// bytes each, refusing one the bytes left cannot hold.
func (r *snapshotReader) count(what string, minSize int) int {
	n := r.uvarint(what)
	if r.err == nil && n > uint64(len(r.b)/minSize) {
		r.failf("%s count %d does not fit in the %d bytes left", what, n, len(r.b))
		return 0
	}
	return int(n)
}

func (r *snapshotReader) string(what string) string {
	n := r.count(what, 1)
	if r.err != nil {
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// readByKey reads what appendByKey wrote: entries in strictly ascending key
// order, so no key appears twice and the order is the canonical one. Every
// entry takes at least minSize bytes.
func readByKey[V any](r *snapshotReader, what string, minSize int, value func(key string) V) map[string]V {
	n := r.count(what+"s", minSize)
	m := make(map[string]V, n)
	keyWhat := what + " key" // once, not once a key: Restore's cost is per key
	prev := ""
	for i := 0; i < n && r.err == nil; i++ {
		key := r.string(keyWhat)
		switch {
		case r.err != nil:
			return nil
		case i > 0 && key == prev:
			r.failf("%s %q appears twice", what, key)
			return nil
		case i > 0 && key < prev:
			r.failf("%s %q is out of order after %q", what, key, prev)
			return nil
		}
		m[key] = value(key)
		prev = key
	}
	return m
}

// counter reads a counter's value: at least 1, since a counter exists once
// incremented.
func (r *snapshotReader) counter(key string) int64 {
	v := r.varint("counter value")
	if r.err == nil && v < 1 {
		r.failf("counter %q is %d", key, v)
	}
	return v
}

// set reads a set's members: at least one (a set exists once added to), in
// strictly ascending order.
func (r *snapshotReader) set(key string) map[int64]struct{} {
	n := r.count("set members", 1)
	if r.err == nil && n == 0 {
		r.failf("set %q is empty", key)
	}
	set := make(map[int64]struct{}, n)
	var prev int64
	for i := 0; i < n && r.err == nil; i++ {
		v := r.varint("set member")
		if i > 0 && v <= prev {
			r.failf("set %q: member %d after %d", key, v, prev)
		}
		set[v] = struct{}{}
		prev = v
	}
	return set
}

// list reads a list's elements: at least one (a list exists once appended
// to).
func (r *snapshotReader) list(key string) []int64 {
	l := r.ints("list elements")
	if r.err == nil && len(l) == 0 {
		r.failf("list %q is empty", key)
	}
	return l
}

func (r *snapshotReader) ints(what string) []int64 {
	n := r.count(what, 1)
	if r.err != nil {
		return nil
	}
	vs := make([]int64, n)
	for i := range vs {
		vs[i] = r.varint(what)
	}
	return vs
}

// sessions reads the live sessions, in strictly ascending id order, and
// checks them against the header: a session's id is the index of the entry
// that registered it, so at most applied; it was last active at most at the
// clock; and the sessions hash is the sum of their terms (store_digest.go).
func (r *snapshotReader) sessions(st *snapshotState) map[uint64]*session {
	n := r.count("sessions", 4)
	sessions := make(map[uint64]*session, n)
	var prev, hash uint64
	for i := 0; i < n && r.err == nil; i++ {
		id := r.uvarint("session id")
		sess := &session{lastSeq: r.uvarint("session seq"), lastActive: r.varint("session activity")}
		sess.last = r.outcome(id, sess.lastSeq)
		switch {
		case r.err != nil:
			return nil
		case id == 0 || id > st.applied:
			r.failf("session %d was not registered by one of the %d entries applied", id, st.applied)
		case i > 0 && id == prev:
			r.failf("session %d appears twice", id)
		case i > 0 && id < prev:
			r.failf("session %d is out of order after %d", id, prev)
		case sess.lastActive > st.clock:
			r.failf("session %d was active at %d, after the clock %d", id, sess.lastActive, st.clock)
		}
		sessions[id] = sess
		hash += sessionTerm(id, sess.lastSeq)
		prev = id
	}
	if r.err == nil && hash != st.sessionsHash {
		r.failf("the sessions hash is %#x, but the sessions add up to %#x", st.sessionsHash, hash)
	}
	return sessions
}

// outcome reads what a session answers a retry of its latest command with.
// Only what applyOp can cache is accepted: an applied operation that took
// effect (StatusOK, Result.OK) or certainly did not (StatusFail), whose
// value is 0 unless present.
func (r *snapshotReader) outcome(id, lastSeq uint64) Outcome {
	switch kind := r.byte("session outcome"); {
	case r.err != nil:
		return Outcome{}
	case kind == 0:
		if lastSeq != 0 {
			r.failf("session %d is at seq %d but caches no outcome", id, lastSeq)
		}
		return Outcome{}
	case CommandKind(kind) != CmdOp:
		r.failf("session %d caches an outcome of unknown kind %d", id, kind)
		return Outcome{}
	}
	out := Outcome{Kind: CmdOp, Session: id, Seq: lastSeq, Status: Status(r.byte("outcome status"))}
	flags := r.byte("result flags")
	out.Result = Result{
		OK:      flags&snapshotOK != 0,
		Present: flags&snapshotPresent != 0,
		Value:   r.varint("result value"),
	}
	if flags&snapshotList != 0 {
		out.Result.List = r.ints("result list")
	}
	switch {
	case r.err != nil:
	case out.Status != StatusOK && out.Status != StatusFail:
		r.failf("session %d caches status %d, which no applied command ends with", id, out.Status)
	case flags&^(snapshotOK|snapshotPresent|snapshotList) != 0:
		r.failf("session %d caches a result with unknown flags %#x", id, flags)
	case (out.Status == StatusOK) != out.Result.OK:
		r.failf("session %d caches status %v with OK %v", id, out.Status, out.Result.OK)
	case !out.Result.Present && out.Result.Value != 0:
		r.failf("session %d caches the value %d of nothing present", id, out.Result.Value)
	}
	return out
}
