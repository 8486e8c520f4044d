package kv_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness/kv"
	"raftcheck/raft"
)

// storeLog feeds commands to a store as a log would.
type storeLog struct {
	t     *testing.T
	store *kv.Store
	index uint64
}

func newStoreLog(t *testing.T, ttl time.Duration) *storeLog {
	return &storeLog{t: t, store: kv.NewStore(ttl)}
}

func (l *storeLog) apply(cmd kv.Command) kv.Outcome {
	l.t.Helper()
	l.index++
	out, ok, err := l.store.Apply(raft.Entry{Index: l.index, Term: 1, Data: cmd.Encode()})
	require.NoError(l.t, err)
	require.True(l.t, ok)
	return out
}

func (l *storeLog) register(at time.Duration) uint64 {
	l.t.Helper()
	out := l.apply(kv.Command{Kind: kv.CmdRegister, Seq: 99, Time: int64(at)})
	require.Equal(l.t, kv.StatusOK, out.Status)
	require.Equal(l.t, uint64(99), out.Seq, "the registration echoes its nonce")
	return out.Session
}

func (l *storeLog) op(session, seq uint64, at time.Duration, op kv.Op) kv.Outcome {
	l.t.Helper()
	return l.apply(kv.Command{Kind: kv.CmdOp, Session: session, Seq: seq, Time: int64(at), Op: op})
}

func TestDataTypes(t *testing.T) {
	l := newStoreLog(t, time.Minute)
	s := l.register(0)
	tests := []struct {
		op   kv.Op
		want kv.Result
		st   kv.Status
	}{
		{kv.Op{F: kv.FRead, Key: "r"}, kv.Result{OK: true}, kv.StatusOK},
		{kv.Op{F: kv.FCas, Key: "r", Old: 0, Value: 1}, kv.Result{}, kv.StatusFail},
		{kv.Op{F: kv.FWrite, Key: "r", Value: 5}, kv.Result{OK: true}, kv.StatusOK},
		{kv.Op{F: kv.FRead, Key: "r"}, kv.Result{OK: true, Present: true, Value: 5}, kv.StatusOK},
		{kv.Op{F: kv.FCas, Key: "r", Old: 4, Value: 6}, kv.Result{Present: true, Value: 5}, kv.StatusFail},
		{kv.Op{F: kv.FCas, Key: "r", Old: 5, Value: 6}, kv.Result{OK: true}, kv.StatusOK},
		{kv.Op{F: kv.FIncr, Key: "c"}, kv.Result{OK: true, Present: true, Value: 1}, kv.StatusOK},
		{kv.Op{F: kv.FIncr, Key: "c"}, kv.Result{OK: true, Present: true, Value: 2}, kv.StatusOK},
		{kv.Op{F: kv.FCount, Key: "c"}, kv.Result{OK: true, Present: true, Value: 2}, kv.StatusOK},
		{kv.Op{F: kv.FAdd, Key: "s", Value: 9}, kv.Result{OK: true}, kv.StatusOK},
		{kv.Op{F: kv.FAdd, Key: "s", Value: 3}, kv.Result{OK: true}, kv.StatusOK},
		{kv.Op{F: kv.FAdd, Key: "s", Value: 9}, kv.Result{OK: true}, kv.StatusOK},
		{kv.Op{F: kv.FMembers, Key: "s"}, kv.Result{OK: true, List: []int64{3, 9}}, kv.StatusOK},
		{kv.Op{F: kv.FAppend, Key: "l", Value: 9}, kv.Result{OK: true}, kv.StatusOK},
		{kv.Op{F: kv.FAppend, Key: "l", Value: 3}, kv.Result{OK: true}, kv.StatusOK},
		{kv.Op{F: kv.FList, Key: "l"}, kv.Result{OK: true, List: []int64{9, 3}}, kv.StatusOK},
		{kv.Op{F: kv.FMembers, Key: "empty"}, kv.Result{OK: true, List: []int64{}}, kv.StatusOK},
	}
	for i, tc := range tests {
		out := l.op(s, uint64(i+1), 0, tc.op)
		assert.Equal(t, tc.st, out.Status, "%d: %v", i, tc.op)
		assert.Equal(t, tc.want, out.Result, "%d: %v", i, tc.op)
	}
}

func TestARetriedCommandIsAppliedOnceAndAnsweredAsBefore(t *testing.T) {
	l := newStoreLog(t, time.Minute)
	s := l.register(0)
	first := l.op(s, 1, 0, kv.Op{F: kv.FIncr, Key: "c"})
	require.Equal(t, int64(1), first.Result.Value)
	again := l.op(s, 1, 0, kv.Op{F: kv.FIncr, Key: "c"})
	assert.Equal(t, first, again, "the retry gets the original answer")
	cached, ok := l.store.Cached(s, 1)
	require.True(t, ok)
	assert.Equal(t, first, cached)
	next := l.op(s, 2, 0, kv.Op{F: kv.FIncr, Key: "c"})
	assert.Equal(t, int64(2), next.Result.Value, "the retry did not count")
	stale := l.op(s, 1, 0, kv.Op{F: kv.FIncr, Key: "c"})
	assert.Equal(t, kv.StatusStale, stale.Status, "an older command is not applied")
	assert.Equal(t, int64(2), l.store.Read(kv.Op{F: kv.FCount, Key: "c"}).Value)
}

func TestSessionsExpireDeterministically(t *testing.T) {
	l := newStoreLog(t, 10*time.Second)
	idle := l.register(0)
	busy := l.register(0)
	for at := time.Second; at <= 30*time.Second; at += time.Second {
		require.Equal(t, kv.StatusOK, l.op(busy, uint64(at/time.Second), at, kv.Op{F: kv.FWrite, Key: "k", Value: 1}).Status)
	}
	out := l.op(idle, 1, 30*time.Second, kv.Op{F: kv.FIncr, Key: "c"})
	assert.Equal(t, kv.StatusExpired, out.Status, "an idle session is gone: a retry cannot be applied twice")
	assert.Equal(t, int64(0), l.store.Read(kv.Op{F: kv.FCount, Key: "c"}).Value)
	assert.Equal(t, 1, l.store.Sessions())
	_, ok := l.store.Cached(idle, 1)
	assert.False(t, ok)
}

func TestUnknownSessionsAndBadEntries(t *testing.T) {
	l := newStoreLog(t, time.Minute)
	assert.Equal(t, kv.StatusExpired, l.op(12345, 1, 0, kv.Op{F: kv.FWrite, Key: "k"}).Status)

	_, ok, err := l.store.Apply(raft.Entry{Index: 2, Term: 1, Type: raft.EntryNoOp})
	require.NoError(t, err)
	assert.False(t, ok, "a no-op is not a command")
	_, _, err = l.store.Apply(raft.Entry{Index: 3, Term: 1, Data: []byte("garbage")})
	assert.ErrorContains(t, err, "entry 3: kv:")
	_, _, err = l.store.Apply(raft.Entry{Index: 9, Term: 1})
	assert.ErrorContains(t, err, "applying index 9 after 3")
}

func TestCommandsRoundTrip(t *testing.T) {
	cmds := []kv.Command{
		{Kind: kv.CmdRegister, Seq: 7, Time: 123},
		{Kind: kv.CmdOp, Session: 9, Seq: 2, Time: -5, Op: kv.Op{F: kv.FCas, Key: "k12", Value: 4, Old: 3}},
		{Kind: kv.CmdOp, Session: 1 << 40, Seq: 1, Op: kv.Op{F: kv.FList, Key: ""}},
	}
	for _, c := range cmds {
		got, err := kv.DecodeCommand(c.Encode())
		require.NoError(t, err)
		assert.Equal(t, c, got)
	}
	full := cmds[1].Encode()
	for n := 0; n < len(full); n++ {
		_, err := kv.DecodeCommand(full[:n])
		assert.Error(t, err, "a command cut at %d bytes is refused", n)
	}
	_, err := kv.DecodeCommand(append(full, 0))
	assert.Error(t, err, "trailing bytes are refused")
}
