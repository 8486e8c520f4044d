package raftnode

import (
	"fmt"

	"raftcheck/raft"
	"raftcheck/raft/wal"
)

// SnapshotFile is the name of the latest snapshot on a node's disk, and
// its temporary names while it and a WAL after it are being written.
const (
	SnapshotFile = "raft.snap"
	// JoiningFile, on a disk, says the node lost its state and must
	// rejoin (raft.Config.Joining) until it has caught up; the node
	// removes it then.
	JoiningFile      = "raft.joining"
	snapshotTempFile = "raft.snap.tmp"
	walTempFile      = "raft.wal.tmp"
)

// A node's disk after its first snapshot holds two files: the snapshot,
// and a WAL that starts with the HardState and a record saying the log
// starts after the snapshot (wal.AppendStart). Every change to them is
// made so that a crash between any two of its steps loses nothing a
// Ready made durable:
//
//  1. write the new snapshot under a temporary name and rename it over the
//     old one: the disk holds the old snapshot or the new, whole;
//  2. write a new WAL, the HardState and the entries after the snapshot,
//     under a temporary name and rename it over the old one: until the
//     rename is durable the old WAL, which still holds every entry the
//     snapshot covers, is the one a crash leaves.
//
// The disk makes operations durable in the order they were made, so the
// new WAL is never durable before the snapshot it starts after. A crash
// after step 1 and before step 2 leaves a snapshot ahead of the WAL's
// start; recovery keeps the WAL's entries after the snapshot if they
// follow it (wal.State.After). No step waits for an fsync: the snapshot
// is synced on its own, the new WAL with the node's next fsync, and until
// each is durable the old files stand for the same state.

// recover reads the snapshot and the WAL back after a restart, cutting a
// torn tail off the WAL. A damaged snapshot file or WAL stops the node
// (refuse): it stays down rather than recover a state it never had.
func (n *Node) recover() (raft.HardState, raft.Snapshot, []raft.Entry, bool) {
	disk := n.env.Disk()
	disk.Remove(snapshotTempFile) // a temporary file a crash left is garbage
	disk.Remove(walTempFile)
	var snap raft.Snapshot
	if data, ok := disk.ReadFile(SnapshotFile); ok {
		s, err := wal.DecodeSnapshot(data)
		if err != nil {
			n.refuse(fmt.Errorf("raftnode: snapshot of %s: %w", n.env.Name(), err))
			return raft.HardState{}, snap, nil, false
		}
		snap = s
	}
	data, _ := disk.ReadFile(WALFile)
	st, valid, err := wal.Decode(data)
	if err != nil {
		n.refuse(fmt.Errorf("raftnode: WAL of %s: %w", n.env.Name(), err))
		return st.HardState, snap, nil, false
	}
	if dmg := disk.Damaged(); len(dmg) > 0 {
		// Every damage the disk is given is one a checksum covers
		// (wal.Spans): a node that reads it without noticing would
		// recover a state it never had.
		n.env.Fail(fmt.Errorf("raftnode: %s recovered from a disk damaged at byte %d of %s (bit %d) without noticing: corruption must stop a node, never be applied", n.env.Name(), dmg[0].Off, dmg[0].File, dmg[0].Bit))
		return st.HardState, snap, nil, false
	}
	if valid < len(data) {
		// A torn tail: a record that was being written when the node
		// crashed. It was never synced, so nothing depends on it.
		n.recoveredTorn = len(data) - valid
		n.env.Note("wal: discarded a torn tail of %d bytes", n.recoveredTorn)
		disk.Truncate(WALFile, valid)
	}
	entries, err := st.After(snap.Meta)
	if err != nil {
		n.env.Fail(fmt.Errorf("raftnode: recovering %s: %w", n.env.Name(), err))
		return st.HardState, snap, nil, false
	}
	if snap.Meta != st.Start {
		// A crash came between the snapshot and the WAL after it: start
		// that WAL now, or the next entry appended to the old one would
		// follow an entry the snapshot replaced (or leave a gap).
		n.startWAL(snap.Meta, st.HardState, entries)
	}
	return st.HardState, snap, entries, true
}

// refuse stops a node whose files cannot be read. On a disk that was
// damaged (harness.Disk.FlipBit) that is the right answer: the node halts
// and stays down until an operator replaces its disk. On an undamaged
// disk the node itself wrote what it cannot read, and the run fails.
func (n *Node) refuse(err error) {
	if len(n.env.Disk().Damaged()) == 0 {
		n.env.Fail(err)
		return
	}
	n.env.Halt(err.Error())
}

// writeSnapshot makes snap the node's durable snapshot and starts the WAL
// over after it, with hs and the entries of the current WAL that follow
// the snapshot, then entries (a Ready's, which the new WAL is to carry
// instead of the old one). See the ordering above.
func (n *Node) writeSnapshot(snap raft.Snapshot, hs raft.HardState, entries []raft.Entry) {
	disk := n.env.Disk()
	disk.WriteFile(snapshotTempFile, wal.EncodeSnapshot(snap))
	disk.Rename(snapshotTempFile, SnapshotFile)
	// Sync the snapshot on its own, as a real node syncs a file before it
	// relies on it: a crash may then come after the snapshot is durable
	// and before the WAL after it is, the state recovery must reconcile.
	// Nothing waits for this sync: the new WAL cannot be durable before it
	// (the disk keeps the order), and until then the old WAL stands.
	n.env.Sync()

	// The entries after the snapshot that the WAL holds: the log the node
	// acknowledged. A WAL this node wrote that does not decode is a bug of
	// the node, and dropping what it holds would lose acknowledgements.
	var kept []raft.Entry
	if data, ok := disk.ReadFile(WALFile); ok {
		st, _, err := wal.Decode(data)
		if err == nil {
			kept, err = st.After(snap.Meta)
		}
		if err != nil {
			n.env.Fail(fmt.Errorf("raftnode: %s rewriting its WAL after snapshot %d/t%d: %w", n.env.Name(), snap.Meta.Index, snap.Meta.Term, err))
			return
		}
	}
	for i, e := range kept {
		if len(entries) > 0 && e.Index >= entries[0].Index {
			kept = kept[:i] // the Ready's entries replace these
			break
		}
	}
	n.startWAL(snap.Meta, hs, append(kept[:len(kept):len(kept)], entries...))
	n.snapshots++
}

// startWAL replaces the WAL with one that starts after the snapshot meta
// describes: hs, then entries, which follow it. It is written under a
// temporary name and renamed into place.
func (n *Node) startWAL(meta raft.SnapshotMeta, hs raft.HardState, entries []raft.Entry) {
	disk := n.env.Disk()
	// The term and vote come first: every entry after them is of a term
	// at most theirs. The commit index comes first only as far as the
	// snapshot, which backs it; if it is beyond, it is written again
	// after the entries that back it. (The file is renamed into place
	// whole, so no crash leaves a prefix of it; but every record boundary
	// of a WAL is a state some crash could leave, and this keeps each one
	// recoverable, which is what the invariant checker holds the WAL to.)
	hs = n.diskHardState(hs)
	buf := wal.AppendHardState(n.walBuf[:0], raft.HardState{Term: hs.Term, Vote: hs.Vote, Commit: min(hs.Commit, meta.Index)})
	buf = wal.AppendStart(buf, meta)
	for _, e := range entries {
		buf = wal.AppendEntry(buf, e)
	}
	if hs.Commit > meta.Index {
		buf = wal.AppendHardState(buf, hs)
	}
	disk.WriteFile(walTempFile, buf)
	disk.Rename(walTempFile, WALFile)
	n.walBuf = buf
}

// maybeSnapshot takes a snapshot of the state machine once the policy in
// Config says it is time: SnapshotEntries entries, or SnapshotBytes bytes
// of entry data, applied since the last one. It snapshots at the last
// entry the state machine applied, which Raft counts as applied too.
func (n *Node) maybeSnapshot() {
	if n.app == nil || n.rn == nil || n.appliedIndex <= n.rn.Snapshot().Meta.Index {
		return
	}
	since := n.appliedIndex - n.rn.Snapshot().Meta.Index
	byCount := n.cfg.SnapshotEntries > 0 && since >= uint64(n.cfg.SnapshotEntries)
	bySize := n.cfg.SnapshotBytes > 0 && n.appliedBytes >= n.cfg.SnapshotBytes
	if !byCount && !bySize {
		return
	}
	snap, err := n.rn.Compact(n.appliedIndex, n.app.Snapshot())
	if err != nil {
		n.env.Fail(fmt.Errorf("raftnode: %s compacting at %d: %w", n.env.Name(), n.appliedIndex, err))
		return
	}
	n.appliedBytes = 0
	n.writeSnapshot(snap, n.hardState, nil)
	n.env.Note("raftnode: snapshot at %d/t%d (%d bytes)", snap.Meta.Index, snap.Meta.Term, len(snap.Data))
	if n.observer != nil {
		n.observe(n.observer.Compacted(n, snap.Meta))
	}
}

// install loads a snapshot the leader sent into the state machine, once
// its Ready is durable (raft's Ready contract, step 3).
func (n *Node) install(snap raft.Snapshot) {
	// Entries waiting for the apply timer are all before the snapshot
	// (they were committed before it arrived): it stands for them.
	n.toApply = nil
	n.appliedIndex = snap.Meta.Index
	n.appliedBytes = 0
	n.installs++
	if n.observer != nil {
		n.observe(n.observer.Restored(n, snap.Meta))
	}
	if n.app != nil {
		if err := n.app.Restore(snap.Meta.Index, snap.Data); err != nil {
			n.env.Fail(fmt.Errorf("raftnode: %s installing snapshot %d/t%d: %w", n.env.Name(), snap.Meta.Index, snap.Meta.Term, err))
		}
	}
}

// Snapshots is how many snapshots this incarnation took, and Installs how
// many it installed from a leader.
func (n *Node) Snapshots() int { return n.snapshots }

// Installs is how many snapshots this incarnation installed from a leader.
func (n *Node) Installs() int { return n.installs }
