package kv

import (
	"fmt"
	"testing"

	"raftcheck/raft"
	"raftcheck/raft/wal"
)

// storeWithRegisters returns a store holding n registers and a thousand
// sessions, a tenth of which cache a list. It fills the maps directly
// instead of applying n log entries: the state is the same kind a log
// builds (the sessions hash matches its sessions), and building it takes
// a second instead of the many that decoding and applying a million
// commands would.
func storeWithRegisters(n int) *Store {
	s := NewStore(snapshotTTL)
	s.applied, s.clock, s.nextScan = uint64(n)+2000, 1e12, 1e12
	for i := range n {
		s.data.registers[fmt.Sprintf("key%07d", i)] = int64(i) * 7919
	}
	for id := uint64(1); id <= 1000; id++ {
		sess := &session{lastSeq: id, lastActive: 1e12 - int64(id)}
		sess.last = Outcome{Kind: CmdOp, Session: id, Seq: id, Status: StatusOK, Result: Result{OK: true}}
		if id%10 == 0 {
			sess.last.Result.List = []int64{1, 2, 3, int64(id)}
		}
		s.sessions[id] = sess
		s.sessionsHash += sessionTerm(id, id)
	}
	return s
}

func BenchmarkStoreSnapshot1MKeys(b *testing.B) {
	s := storeWithRegisters(1_000_000)
	var snap []byte
	for b.Loop() { // b.Loop times only the loop: building the store is not measured
		snap = s.Snapshot()
	}
	b.ReportMetric(float64(len(snap)), "bytes")
}

func BenchmarkStoreRestore1MKeys(b *testing.B) {
	snap := storeWithRegisters(1_000_000).Snapshot()
	s := NewStore(snapshotTTL)
	for b.Loop() { // b.Loop times only the loop: building the snapshot is not measured
		if err := s.Restore(snap); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(snap)), "bytes")
}

// BenchmarkSnapshotFile1MKeys is what a node does with a 1M-key snapshot
// on its disk: the file it writes (the store's snapshot in the checksummed
// snapshot format), and reading it back, checksum included.
func BenchmarkSnapshotFile1MKeys(b *testing.B) {
	data := storeWithRegisters(1_000_000).Snapshot()
	var file []byte
	for b.Loop() {
		file = wal.EncodeSnapshot(raft.Snapshot{Meta: raft.SnapshotMeta{Index: 1_002_000, Term: 3}, Conf: raft.ConfState{Voters: []uint64{1, 2, 3, 4, 5}}, Data: data})
		if _, err := wal.DecodeSnapshot(file); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(file)), "bytes")
}

// BenchmarkInstall1MKeys is a follower's work to install a 1M-key
// snapshot once its chunks have arrived: check the file it writes and
// load the state machine from it (the transfer itself is simulated time:
// 16 MB in 64 KiB chunks is 250 round trips).
func BenchmarkInstall1MKeys(b *testing.B) {
	file := wal.EncodeSnapshot(raft.Snapshot{Meta: raft.SnapshotMeta{Index: 1_002_000, Term: 3}, Conf: raft.ConfState{Voters: []uint64{1, 2, 3, 4, 5}}, Data: storeWithRegisters(1_000_000).Snapshot()})
	s := NewStore(snapshotTTL)
	for b.Loop() {
		snap, err := wal.DecodeSnapshot(file)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Restore(snap.Data); err != nil {
			b.Fatal(err)
		}
	}
}
