package harness_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness"
)

func TestSyncedWritesSurviveACrashAndUnsyncedOnesVanish(t *testing.T) {
	w, r := newWorld(t, 1, nil)
	disk := w.Disk(0)
	disk.Append("wal", []byte("synced;"))
	id := r[0].env.Sync()
	require.NoError(t, w.RunFor(2*time.Millisecond))
	require.Equal(t, []uint64{id}, r[0].synced, "Synced reports the fsync after its latency")

	disk.Append("wal", []byte("unsynced;"))
	disk.WriteFile("other", []byte("never synced"))
	got, _ := disk.ReadFile("wal")
	assert.Equal(t, "synced;unsynced;", string(got), "the node reads its own unsynced writes")

	require.NoError(t, w.Crash(0))
	require.NoError(t, w.Restart(0))
	require.NoError(t, w.RunFor(0))
	got, ok := disk.ReadFile("wal")
	require.True(t, ok)
	assert.Equal(t, "synced;", string(got))
	_, ok = disk.ReadFile("other")
	assert.False(t, ok, "a file created and never synced is gone")
	assert.Equal(t, uint64(3), disk.Counters().LostWrites, "the unsynced append, and the truncate+append of WriteFile, are lost")
}

func TestAnFsyncCoversOnlyWritesMadeBeforeIt(t *testing.T) {
	w, r := newWorld(t, 1, nil)
	disk := w.Disk(0)
	disk.Append("wal", []byte("before;"))
	r[0].env.Sync()
	disk.Append("wal", []byte("after;"))
	require.NoError(t, w.RunFor(5*time.Millisecond))
	require.Len(t, r[0].synced, 1)
	require.NoError(t, w.Crash(0))
	got, _ := disk.ReadFile("wal")
	assert.Equal(t, "before;", string(got))
}

func TestACrashBeforeTheFsyncCompletesLosesTheWrite(t *testing.T) {
	w, r := newWorld(t, 1, nil)
	disk := w.Disk(0)
	disk.Append("wal", []byte("x"))
	r[0].env.Sync()
	require.NoError(t, w.RunFor(time.Millisecond)) // the fsync takes 2ms
	require.NoError(t, w.Crash(0))
	require.NoError(t, w.Restart(0))
	require.NoError(t, w.RunFor(10*time.Millisecond))
	_, ok := disk.ReadFile("wal")
	assert.False(t, ok)
	assert.Empty(t, r[0].synced, "the new incarnation never hears of the old one's fsync")
}

// A torn write keeps a strict, non-empty prefix of what was written; in
// about half the crashes the rest of the write's length is garbage, never
// a longer true prefix and never past the write's end.
func TestATornWriteIsAStrictPrefixOfWhatWasWritten(t *testing.T) {
	garbage := 0
	for seed := uint64(1); seed <= 50; seed++ {
		w, r := newWorld(t, 1, func(c *harness.Config) {
			c.Seed = seed
			c.Disk.Torn = harness.Prob(1)
		})
		disk := w.Disk(0)
		disk.Append("wal", []byte("durable|"))
		r[0].env.Sync()
		require.NoError(t, w.RunFor(2*time.Millisecond))
		written := []byte("0123456789abcdef")
		disk.Append("wal", written)
		disk.Append("wal", []byte("later write, never survives"))
		require.NoError(t, w.Crash(0))
		got, _ := disk.ReadFile("wal")
		require.Greater(t, len(got), len("durable|"), "seed %d: some of the torn write survives", seed)
		tail := got[len("durable|"):]
		c := disk.Counters()
		require.Equal(t, uint64(1), c.TornWrites)
		if c.TornGarbage == 0 {
			require.Less(t, len(tail), len(written), "seed %d: a torn write is shorter than written", seed)
			require.Equal(t, written[:len(tail)], tail, "seed %d: and is a prefix of it", seed)
			continue
		}
		garbage++
		require.Len(t, tail, len(written), "seed %d: garbage fills the write's length, no more", seed)
		kept := 0
		for kept < len(tail) && tail[kept] == written[kept] {
			kept++
		}
		require.Greater(t, kept, 0, "seed %d: a non-empty prefix survives", seed)
		require.NotEqual(t, written, tail, "seed %d: the write is torn", seed)
	}
	assert.InDelta(t, 25, garbage, 15, "about half the torn writes leave garbage")
}

func TestWithoutTornWritesACrashLeavesExactlyTheDurableImage(t *testing.T) {
	w, _ := newWorld(t, 1, nil)
	disk := w.Disk(0)
	disk.Append("wal", []byte("0123456789"))
	require.NoError(t, w.Crash(0))
	_, ok := disk.ReadFile("wal")
	assert.False(t, ok)
	assert.Zero(t, disk.Counters().TornWrites)
}

func TestRenameIsAtomicAndDurableAtSync(t *testing.T) {
	w, r := newWorld(t, 1, nil)
	disk := w.Disk(0)
	disk.WriteFile("snap", []byte("old"))
	r[0].env.Sync()
	require.NoError(t, w.RunFor(2*time.Millisecond))

	disk.WriteFile("snap.tmp", []byte("new"))
	disk.Rename("snap.tmp", "snap")
	got, _ := disk.ReadFile("snap")
	assert.Equal(t, "new", string(got))
	assert.Equal(t, []string{"snap"}, disk.Files())

	require.NoError(t, w.Crash(0))
	got, _ = disk.ReadFile("snap")
	assert.Equal(t, "old", string(got), "the rename was not synced, so the old file stands")

	disk.WriteFile("snap.tmp", []byte("new"))
	disk.Rename("snap.tmp", "snap")
	require.NoError(t, w.Restart(0))
	require.NoError(t, w.RunFor(0))
	r[0].env.Sync()
	require.NoError(t, w.RunFor(2*time.Millisecond))
	require.NoError(t, w.Crash(0))
	got, _ = disk.ReadFile("snap")
	assert.Equal(t, "new", string(got))
}

func TestTruncateAndRemove(t *testing.T) {
	w, _ := newWorld(t, 1, nil)
	disk := w.Disk(0)
	disk.Append("f", []byte("abcdef"))
	disk.Truncate("f", 2)
	disk.Append("f", []byte("Z"))
	got, _ := disk.ReadFile("f")
	assert.Equal(t, "abZ", string(got))
	assert.Equal(t, 3, disk.Size("f"))
	disk.Remove("f")
	assert.Equal(t, -1, disk.Size("f"))
	assert.Empty(t, disk.Files())
}

func TestFsyncsCompleteInOrder(t *testing.T) {
	w, r := newWorld(t, 1, func(c *harness.Config) {
		c.Disk.SyncLatency = harness.Uniform(0, 10*time.Millisecond)
	})
	var ids []uint64
	for i := 0; i < 50; i++ {
		w.Disk(0).Append("wal", []byte{byte(i)})
		ids = append(ids, r[0].env.Sync())
	}
	require.NoError(t, w.RunFor(time.Second))
	assert.Equal(t, ids, r[0].synced)
}

func TestAnFsyncThatCompletesWhileThePauseLastsIsDurable(t *testing.T) {
	w, r := newWorld(t, 1, nil)
	disk := w.Disk(0)
	disk.Append("wal", []byte("x"))
	r[0].env.Sync()
	require.NoError(t, w.Pause(0))
	require.NoError(t, w.RunFor(5*time.Millisecond))
	assert.Empty(t, r[0].synced, "the paused node has not heard of it")
	require.NoError(t, w.Crash(0))
	got, _ := disk.ReadFile("wal")
	assert.Equal(t, "x", string(got), "but the disk made it durable")
}

// With write-back, a crash keeps an ordered prefix of the unsynced
// operations: sometimes none, sometimes some, sometimes all, never a later
// one without every earlier one.
func TestWriteBackKeepsAnOrderedPrefixOfUnsyncedWrites(t *testing.T) {
	kept := map[string]bool{}
	for seed := uint64(1); seed <= 40; seed++ {
		w, _ := newWorld(t, 1, func(c *harness.Config) {
			c.Seed = seed
			c.Disk.Writeback = harness.Prob(0.5)
		})
		disk := w.Disk(0)
		disk.Append("wal", []byte("a;"))
		disk.Append("wal", []byte("b;"))
		disk.WriteFile("snap.tmp", []byte("s"))
		disk.Rename("snap.tmp", "snap")
		disk.Append("wal", []byte("c;"))
		require.NoError(t, w.Crash(0))
		got, _ := disk.ReadFile("wal")
		_, snap := disk.ReadFile("snap")
		_, tmp := disk.ReadFile("snap.tmp")
		state := string(got)
		switch {
		case snap:
			state += "+snap"
		case tmp:
			state += "+tmp"
		}
		require.Contains(t, []string{"", "a;", "a;b;", "a;b;+tmp", "a;b;+snap", "a;b;c;+snap"}, state, "seed %d", seed)
		kept[state] = true
	}
	assert.True(t, kept[""], "a crash that writes nothing back")
	assert.True(t, kept["a;b;c;+snap"], "one that writes everything back")
	assert.GreaterOrEqual(t, len(kept), 4, "and prefixes in between: %v", kept)
}
