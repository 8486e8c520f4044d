package kv

import (
	"encoding/binary"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/raft"
)

// These tests live inside the package: they compare restored stores field
// by field, and plant BugSnapshotWithoutSessions through Store.snapshot.

const snapshotTTL = 10 * time.Second

// entryLog builds a log of commands, as a leader would stamp them.
type entryLog struct{ entries []raft.Entry }

func (l *entryLog) add(e raft.Entry) uint64 {
	e.Index, e.Term = uint64(len(l.entries)+1), 1
	l.entries = append(l.entries, e)
	return e.Index
}

// register opens a session; its id is the index of its entry.
func (l *entryLog) register(at time.Duration) uint64 {
	return l.add(raft.Entry{Data: Command{Kind: CmdRegister, Seq: 7, Time: int64(at)}.Encode()})
}

func (l *entryLog) op(session, seq uint64, at time.Duration, op Op) {
	l.add(raft.Entry{Data: Command{Kind: CmdOp, Session: session, Seq: seq, Time: int64(at), Op: op}.Encode()})
}

func (l *entryLog) noop() { l.add(raft.Entry{Type: raft.EntryNoOp}) }

// everyOp applies every function, including reads through the log (so
// sessions cache list results, an empty one among them), cas failures on
// present and absent registers, a retry, a stale command, a command of an
// unknown session and a no-op, on keys that are empty or not text.
func everyOp(l *entryLog) {
	s := l.register(0)
	ops := []Op{
		{F: FWrite, Key: "r", Value: 5},
		{F: FRead, Key: "r"},
		{F: FRead, Key: "absent"},
		{F: FCas, Key: "r", Old: 5, Value: math.MaxInt64},
		{F: FCas, Key: "r", Old: 4, Value: 6},
		{F: FCas, Key: "absent", Old: 0, Value: 1},
		{F: FWrite, Key: "", Value: math.MinInt64},
		{F: FWrite, Key: "\x00\xff", Value: -1},
		{F: FIncr, Key: "c"},
		{F: FIncr, Key: "c"},
		{F: FCount, Key: "c"},
		{F: FCount, Key: "absent"},
		{F: FAdd, Key: "s", Value: 9},
		{F: FAdd, Key: "s", Value: -3},
		{F: FAdd, Key: "s", Value: 9},
		{F: FMembers, Key: "s"},
		{F: FMembers, Key: "absent"},
		{F: FAppend, Key: "l", Value: 9},
		{F: FAppend, Key: "l", Value: 3},
		{F: FAppend, Key: "l", Value: 9},
		{F: FList, Key: "l"},
		{F: FList, Key: "absent"},
	}
	for i, op := range ops {
		l.op(s, uint64(i+1), 0, op)
		if op.F == FList || op.F == FMembers {
			l.op(s, uint64(i+1), 0, op) // a retry, answered with the cached list
		}
	}
	l.op(s, 3, 0, Op{F: FIncr, Key: "c"}) // stale
	l.op(999, 1, 0, Op{F: FIncr, Key: "c"})
	l.noop()
	t := l.register(0)
	l.op(t, 1, 0, Op{F: FMembers, Key: "s"})
}

// sessionsExpire keeps one session busy while others fall idle and expire,
// one of them after caching a list, and registers more as time goes on; a
// retry and a command of an expired session come after the expiries.
func sessionsExpire(l *entryLog) {
	busy := l.register(0)
	idle := l.register(time.Second)
	lister := l.register(2 * time.Second)
	l.op(lister, 1, 2*time.Second, Op{F: FAppend, Key: "l", Value: 1})
	l.op(lister, 2, 2*time.Second, Op{F: FList, Key: "l"})
	seq := uint64(0)
	for at := 3 * time.Second; at <= 40*time.Second; at += 3 * time.Second {
		seq++
		l.op(busy, seq, at, Op{F: FIncr, Key: "c"})
		if at == 21*time.Second {
			l.register(at)
			l.noop()
		}
	}
	l.op(busy, seq, 40*time.Second, Op{F: FIncr, Key: "c"}) // a retry
	l.op(idle, 1, 41*time.Second, Op{F: FWrite, Key: "r", Value: 1})
	late := l.register(41 * time.Second)
	l.op(late, 1, 42*time.Second, Op{F: FAdd, Key: "s", Value: 1})
}

// manyKeys writes every type under a few hundred keys from many sessions,
// so that map order, which Go randomizes, has room to differ.
func manyKeys(l *entryLog) {
	var sessions []uint64
	for range 20 {
		sessions = append(sessions, l.register(0))
	}
	fs := []string{FWrite, FIncr, FAdd, FAppend}
	for i := range 300 {
		s := sessions[i%len(sessions)]
		op := Op{F: fs[i%len(fs)], Key: string(rune('a' + i%37)), Value: int64(i * 7919 % 1000)}
		l.op(s, uint64(i/len(sessions)+1), time.Duration(i)*time.Millisecond, op)
	}
}

var workloads = []struct {
	name  string
	build func(*entryLog)
}{
	{"every op", everyOp},
	{"sessions expire", sessionsExpire},
	{"many keys", manyKeys},
}

func workloadEntries(build func(*entryLog)) []raft.Entry {
	var l entryLog
	build(&l)
	return l.entries
}

// applyEntries applies entries to s and returns their outcomes (the zero
// Outcome for a no-op).
func applyEntries(t *testing.T, s *Store, entries []raft.Entry) []Outcome {
	t.Helper()
	outs := make([]Outcome, len(entries))
	for i, e := range entries {
		out, _, err := s.Apply(e)
		require.NoError(t, err, "entry %d", e.Index)
		outs[i] = out
	}
	return outs
}

func storeAfter(t *testing.T, entries []raft.Entry) *Store {
	t.Helper()
	s := NewStore(snapshotTTL)
	applyEntries(t, s, entries)
	return s
}

func restored(t *testing.T, snap []byte) *Store {
	t.Helper()
	s := NewStore(snapshotTTL)
	require.NoError(t, s.Restore(snap))
	return s
}

// requireSameState compares two stores' replicated state field by field.
func requireSameState(t *testing.T, want, got *Store, msgAndArgs ...any) {
	t.Helper()
	require.Equal(t, want.data, got.data, msgAndArgs...)
	require.Equal(t, want.sessions, got.sessions, msgAndArgs...)
	require.Equal(t, want.clock, got.clock, msgAndArgs...)
	require.Equal(t, want.nextScan, got.nextScan, msgAndArgs...)
	require.Equal(t, want.applied, got.applied, msgAndArgs...)
	require.Equal(t, want.digest, got.digest, msgAndArgs...)
	require.Equal(t, want.sessionsHash, got.sessionsHash, msgAndArgs...)
}

// TestSnapshotRoundTrip restores the snapshot of every prefix of every
// workload: the restored store holds the same state, answers the same, and
// snapshots to the same bytes.
func TestSnapshotRoundTrip(t *testing.T) {
	var expired, lists, emptyLists int
	for _, w := range workloads {
		t.Run(w.name, func(t *testing.T) {
			entries := workloadEntries(w.build)
			s := NewStore(snapshotTTL)
			for k := 0; k <= len(entries); k++ {
				if k > 0 {
					applyEntries(t, s, entries[k-1:k])
					expired += len(s.Expired())
				}
				snap := s.Snapshot()
				r := restored(t, snap)
				require.Equal(t, snap, r.Snapshot(), "after %d entries", k)
				requireSameState(t, s, r, "after %d entries", k)
				require.Equal(t, s.Digest(), r.Digest())
				require.Equal(t, s.Applied(), r.Applied())
				require.Equal(t, s.Sessions(), r.Sessions())
				require.Equal(t, s.Clock(), r.Clock())
				for id, sess := range s.sessions {
					want, wantOK := s.Cached(id, sess.lastSeq)
					got, gotOK := r.Cached(id, sess.lastSeq)
					require.Equal(t, wantOK, gotOK)
					require.Equal(t, want, got)
					if sess.last.Result.List != nil {
						lists++
						if len(sess.last.Result.List) == 0 {
							emptyLists++
						}
					}
				}
			}
		})
	}
	assert.Positive(t, expired, "some snapshot is taken after sessions expired")
	assert.Positive(t, lists, "some snapshot holds a session that cached a list")
	assert.Positive(t, emptyLists, "some snapshot holds a session that cached an empty, non-nil list")
}

// TestSnapshotContinuation cuts every workload at every index k: a store
// restored from the snapshot at k and given entries k+1..n answers every
// one as the original does and ends in the same state, and the retries
// among them are answered from the restored sessions.
func TestSnapshotContinuation(t *testing.T) {
	retries := 0
	for _, w := range workloads {
		t.Run(w.name, func(t *testing.T) {
			entries := workloadEntries(w.build)
			whole := NewStore(snapshotTTL)
			want := applyEntries(t, whole, entries)
			retriedBy := make([]int, len(entries)+1) // retries answered in entries 1..k
			probe := NewStore(snapshotTTL)
			for i := range entries {
				applyEntries(t, probe, entries[i:i+1])
				retriedBy[i+1] = probe.Retries()
			}
			for k := 0; k <= len(entries); k++ {
				r := restored(t, storeAfter(t, entries[:k]).Snapshot())
				got := applyEntries(t, r, entries[k:])
				require.Equal(t, want[k:], got, "restored at %d", k)
				require.Equal(t, whole.Digest(), r.Digest(), "restored at %d", k)
				require.Equal(t, whole.Snapshot(), r.Snapshot(), "restored at %d", k)
				require.Equal(t, whole.Retries()-retriedBy[k], r.Retries(), "restored at %d: retries after it are answered from sessions", k)
			}
			retries += whole.Retries()
		})
	}
	assert.Positive(t, retries, "some workload retries a command")
}

// TestSnapshotIsDeterministic builds the same state many times, from the
// log and by filling the maps in opposite orders: Go randomizes map
// iteration, and the bytes must not depend on it.
func TestSnapshotIsDeterministic(t *testing.T) {
	entries := workloadEntries(manyKeys)
	first := storeAfter(t, entries).Snapshot()
	for i := range 20 {
		require.Equal(t, first, storeAfter(t, entries).Snapshot(), "build %d", i)
		require.Equal(t, first, restored(t, first).Snapshot(), "restore %d", i)
	}

	// The same state, its maps filled in opposite orders.
	filled := func(order []int) []byte {
		s := NewStore(snapshotTTL)
		s.applied, s.clock = 10_000, 1
		for _, i := range order {
			k := string(binary.AppendUvarint(nil, uint64(i)*2654435761))
			s.data.registers[k] = int64(i % 3)
			s.data.sets[k] = map[int64]struct{}{int64(i): {}, -int64(i): {}, 0: {}}
			id := uint64(i + 1)
			s.sessions[id] = &session{lastActive: 1}
			s.sessionsHash += sessionTerm(id, 0)
		}
		return s.Snapshot()
	}
	forward := make([]int, 500)
	for i := range forward {
		forward[i] = i
	}
	backward := slices.Clone(forward)
	slices.Reverse(backward)
	want := filled(forward)
	require.NoError(t, NewStore(snapshotTTL).Restore(want))
	for i := range 10 {
		require.Equal(t, want, filled(backward), "run %d", i)
		require.Equal(t, want, filled(forward), "run %d", i)
	}
}

// TestARetryAfterAnInstallIsNotAppliedAgain takes a snapshot between a
// command and its retry. With the sessions in the snapshot, the installed
// store answers the retry from its session; with the planted bug it
// applies the increment a second time, and the replicas part.
func TestARetryAfterAnInstallIsNotAppliedAgain(t *testing.T) {
	tests := []struct {
		name           string
		forgetSessions bool
		wantCount      int64 // the increment's count after the retry
		wantRetries    int
	}{
		{"the snapshot keeps the sessions", false, 1, 1},
		{"planted bug " + BugSnapshotWithoutSessions, true, 2, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var l entryLog
			s := l.register(0)
			l.op(s, 1, time.Second, Op{F: FIncr, Key: "c"})
			l.op(s, 1, 2*time.Second, Op{F: FIncr, Key: "c"}) // the retry, after the snapshot
			leader := NewStore(snapshotTTL)
			outs := applyEntries(t, leader, l.entries[:2])
			installed := restored(t, leader.snapshot(tc.forgetSessions))
			retry := applyEntries(t, installed, l.entries[2:])[0]
			again := applyEntries(t, leader, l.entries[2:])[0]

			require.Equal(t, outs[1], again, "the leader answers the retry from its session")
			assert.Equal(t, tc.wantCount, installed.Read(Op{F: FCount, Key: "c"}).Value)
			assert.Equal(t, int64(1), leader.Read(Op{F: FCount, Key: "c"}).Value)
			assert.Equal(t, tc.wantRetries, installed.Retries())
			assert.Equal(t, tc.wantCount, retry.Result.Value, "what the installed store answers the retry")
			assert.Equal(t, tc.forgetSessions, leader.Digest() != installed.Digest(), "the replicas' digests part under the bug")
		})
	}
}

// TestRestoreKeepsConfiguration restores into a store configured unlike
// the one snapshotted: the configuration and this incarnation's counts are
// not state of the log, and stay.
func TestRestoreKeepsConfiguration(t *testing.T) {
	snap := storeAfter(t, workloadEntries(sessionsExpire)).Snapshot()
	s := newStore(time.Hour, true)
	s.localClock, s.retries = 42, 3
	s.expired = append(s.expired, 5)
	require.NoError(t, s.Restore(snap))
	assert.Equal(t, int64(time.Hour), s.ttl)
	assert.True(t, s.noDedup)
	assert.Equal(t, int64(42), s.localClock)
	assert.Equal(t, 3, s.Retries())
	assert.Empty(t, s.Expired(), "no Apply has expired a session since the restore")
	assert.Equal(t, snap, s.Snapshot())
}

// rawSnapshot writes snapshot fields one at a time, to build the snapshots
// Snapshot never writes. Every method returns a new slice, so a case can
// extend a shared prefix.
type rawSnapshot []byte

func (r rawSnapshot) bytes(bs ...byte) rawSnapshot { return append(slices.Clip(r), bs...) }

func (r rawSnapshot) u(vs ...uint64) rawSnapshot {
	r = slices.Clip(r)
	for _, v := range vs {
		r = binary.AppendUvarint(r, v)
	}
	return r
}

func (r rawSnapshot) i(vs ...int64) rawSnapshot {
	r = slices.Clip(r)
	for _, v := range vs {
		r = binary.AppendVarint(r, v)
	}
	return r
}

func (r rawSnapshot) str(s string) rawSnapshot { return r.u(uint64(len(s))).bytes([]byte(s)...) }

// session writes a session that has applied nothing yet.
func (r rawSnapshot) session(id uint64, lastActive int64) rawSnapshot {
	return r.u(id, 0).i(lastActive).bytes(0)
}

// rawHeader is the header of a store that applied 10 entries by the clock
// 100, whose live sessions hash to hash.
func rawHeader(hash uint64) rawSnapshot {
	return rawSnapshot(snapshotMagic).bytes(snapshotVersion).u(10).i(100, 0).u(fnvOffset, hash)
}

// rawSession is a valid snapshot but for one session's outcome: session 3,
// at seq 1, whose last outcome is out.
func rawSession(out rawSnapshot) rawSnapshot {
	return rawHeader(sessionTerm(3, 1)).u(0, 0, 0, 0, 1, 3, 1).i(0).bytes(out...)
}

func TestRestoreRefusesMalformedSnapshots(t *testing.T) {
	valid := storeAfter(t, workloadEntries(everyOp)).Snapshot()
	empty := rawHeader(0).u(0, 0, 0, 0, 0)
	require.Equal(t, NewStore(snapshotTTL).Snapshot(), []byte(rawSnapshot(snapshotMagic).bytes(snapshotVersion).u(0).i(0, 0).u(fnvOffset, 0, 0, 0, 0, 0, 0)),
		"rawSnapshot writes what Snapshot writes")
	for _, ok := range []rawSnapshot{
		empty,
		rawHeader(sessionTerm(3, 0)).u(0, 0, 0, 0, 1).session(3, 100),
		rawSession(rawSnapshot{byte(CmdOp), byte(StatusFail), snapshotPresent}.i(4)),
		rawSession(rawSnapshot{byte(CmdOp), byte(StatusOK), snapshotOK | snapshotList}.i(0).u(0)),
	} {
		require.NoError(t, NewStore(snapshotTTL).Restore(ok), "the cases below differ from a valid snapshot %q", ok)
	}
	flipped := slices.Clone(valid)
	flipped[0] ^= 0xff
	version := slices.Clone(valid)
	version[len(snapshotMagic)] = snapshotVersion + 1

	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"nothing", nil, "not a store snapshot"},
		{"flipped magic", flipped, "not a store snapshot"},
		{"no version", []byte(snapshotMagic), "truncated before the version"},
		{"unknown version", version, "snapshot version 2, but this store reads version 1"},
		{"trailing garbage", append(slices.Clone(valid), 0), "1 trailing bytes"},
		{"non-minimal varint", rawSnapshot(snapshotMagic).bytes(snapshotVersion, 0x80, 0x00), "applied is not minimally encoded"},
		{"varint overflow", rawSnapshot(snapshotMagic).bytes(snapshotVersion).bytes(slices.Repeat([]byte{0xff}, 10)...).bytes(1), "applied overflows 64 bits"},
		{"huge register count", rawHeader(0).u(1 << 60), "registers count 1152921504606846976 does not fit"},
		{"huge key length", rawHeader(0).u(1, 1<<60), "register key count 1152921504606846976 does not fit"},
		{"huge list length", rawHeader(0).u(0, 0, 0, 1).str("l").u(1 << 60), "list elements count 1152921504606846976 does not fit"},
		{"huge session count", rawHeader(0).u(0, 0, 0, 0, 1<<60), "sessions count 1152921504606846976 does not fit"},
		{"huge result list", rawSession(rawSnapshot{byte(CmdOp), byte(StatusOK), snapshotOK | snapshotList}.i(0).u(1 << 60)), "result list count"},
		{"duplicate register", rawHeader(0).u(2).str("a").i(1).str("a").i(2).u(0, 0, 0, 0), `register "a" appears twice`},
		{"registers out of order", rawHeader(0).u(2).str("b").i(1).str("a").i(2).u(0, 0, 0, 0), `register "a" is out of order after "b"`},
		{"duplicate counter", rawHeader(0).u(0, 2).str("c").i(1).str("c").i(1).u(0, 0, 0), `counter "c" appears twice`},
		{"counter never incremented", rawHeader(0).u(0, 1).str("c").i(0).u(0, 0, 0), `counter "c" is 0`},
		{"duplicate set", rawHeader(0).u(0, 0, 2).str("s").u(1).i(1).str("s").u(1).i(1).u(0, 0), `set "s" appears twice`},
		{"duplicate set member", rawHeader(0).u(0, 0, 1).str("s").u(2).i(1, 1).u(0, 0), `set "s": member 1 after 1`},
		{"empty set", rawHeader(0).u(0, 0, 1).str("s").u(0).u(0, 0), `set "s" is empty`},
		{"duplicate list", rawHeader(0).u(0, 0, 0, 2).str("l").u(1).i(1).str("l").u(1).i(1).u(0), `list "l" appears twice`},
		{"empty list", rawHeader(0).u(0, 0, 0, 1).str("l").u(0).u(0), `list "l" is empty`},
		{"duplicate session", rawHeader(2*sessionTerm(3, 0)).u(0, 0, 0, 0, 2).session(3, 0).session(3, 0), "session 3 appears twice"},
		{"sessions out of order", rawHeader(sessionTerm(3, 0)+sessionTerm(2, 0)).u(0, 0, 0, 0, 2).session(3, 0).session(2, 0), "session 2 is out of order after 3"},
		{"session 0", rawHeader(sessionTerm(0, 0)).u(0, 0, 0, 0, 1).session(0, 0), "session 0 was not registered"},
		{"session not yet registered", rawHeader(sessionTerm(11, 0)).u(0, 0, 0, 0, 1).session(11, 0), "session 11 was not registered by one of the 10 entries applied"},
		{"session active after the clock", rawHeader(sessionTerm(3, 0)).u(0, 0, 0, 0, 1).session(3, 101), "session 3 was active at 101, after the clock 100"},
		{"sessions hash", rawHeader(1).u(0, 0, 0, 0, 1).session(3, 0), "the sessions hash is 0x1"},
		{"seq without outcome", rawSession(rawSnapshot{0}), "session 3 is at seq 1 but caches no outcome"},
		{"unknown outcome kind", rawSession(rawSnapshot{byte(CmdRegister)}), "unknown kind 1"},
		{"unknown status", rawSession(rawSnapshot{byte(CmdOp), 9, snapshotOK}.i(0)), "caches status 9"},
		{"status no command ends with", rawSession(rawSnapshot{byte(CmdOp), byte(StatusExpired), 0}.i(0)), "caches status 3"},
		{"unknown flags", rawSession(rawSnapshot{byte(CmdOp), byte(StatusOK), snapshotOK | 0x80}.i(0)), "unknown flags 0x81"},
		{"status against OK", rawSession(rawSnapshot{byte(CmdOp), byte(StatusOK), 0}.i(0)), "caches status ok with OK false"},
		{"value of nothing present", rawSession(rawSnapshot{byte(CmdOp), byte(StatusOK), snapshotOK}.i(5)), "caches the value 5 of nothing present"},
	}
	target := storeAfter(t, workloadEntries(sessionsExpire))
	before := target.Snapshot()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := target.Restore(tc.b)
			require.Error(t, err)
			assert.ErrorContains(t, err, tc.want)
			assert.ErrorContains(t, err, "kv: restoring a snapshot of")
			require.Equal(t, before, target.Snapshot(), "a refused snapshot leaves the store as it was")
		})
	}
}

// TestRestoreRefusesEveryTruncation cuts valid snapshots at every length.
func TestRestoreRefusesEveryTruncation(t *testing.T) {
	for _, w := range workloads {
		t.Run(w.name, func(t *testing.T) {
			valid := storeAfter(t, workloadEntries(w.build)).Snapshot()
			target := storeAfter(t, workloadEntries(everyOp))
			before := target.Snapshot()
			for n := range len(valid) {
				require.Error(t, target.Restore(valid[:n]), "cut at %d of %d bytes", n, len(valid))
				require.Equal(t, before, target.Snapshot(), "cut at %d of %d bytes", n, len(valid))
			}
		})
	}
}

// FuzzStoreRestore feeds Restore arbitrary bytes: it never panics, it
// leaves the store unchanged when it refuses them, and what it accepts is
// canonical: the restored store snapshots to exactly the bytes it read.
func FuzzStoreRestore(f *testing.F) {
	base := NewStore(snapshotTTL)
	for _, w := range workloads {
		s := NewStore(snapshotTTL)
		for i, e := range workloadEntries(w.build) {
			if _, _, err := s.Apply(e); err != nil {
				f.Fatal(err)
			}
			if i%7 == 0 {
				f.Add(s.Snapshot())
			}
		}
		f.Add(s.Snapshot())
		f.Add(s.snapshot(true))
		base = s
	}
	f.Add(NewStore(snapshotTTL).Snapshot())
	f.Add([]byte(rawSession(rawSnapshot{byte(CmdOp), byte(StatusOK), snapshotOK | snapshotList}.i(0).u(2).i(-1, 1))))
	before := base.Snapshot()
	f.Fuzz(func(t *testing.T, b []byte) {
		s := NewStore(snapshotTTL)
		require.NoError(t, s.Restore(before))
		if err := s.Restore(b); err != nil {
			require.Equal(t, before, s.Snapshot(), "refused: %v", err)
			return
		}
		require.Equal(t, b, s.Snapshot(), "accepted bytes re-encode to themselves")
	})
}

// A snapshot whose next session scan lies beyond what any scan can set
// (the clock plus a scan interval) is refused: restored, it would keep
// sessions from ever expiring.
func TestRestoreRefusesASessionScanBeyondReach(t *testing.T) {
	s := NewStore(snapshotTTL)
	s.clock, s.nextScan = int64(time.Minute), int64(time.Minute+snapshotTTL/8)
	ok := s.Snapshot()
	require.NoError(t, NewStore(snapshotTTL).Restore(ok), "exactly a scan interval ahead: what a scan sets")
	s.nextScan++
	target := NewStore(snapshotTTL)
	before := target.Snapshot()
	err := target.Restore(s.Snapshot())
	require.ErrorContains(t, err, "next session scan")
	require.Equal(t, before, target.Snapshot(), "the store is left unchanged")
}
