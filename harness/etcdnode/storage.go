package etcdnode

import (
	"fmt"

	"raftcheck/harness/raftnode"
	"raftcheck/raft"
	"raftcheck/raft/wal"
)

// The node's disk holds what a bundled node's holds, in the same format
// and under the same names (raftnode.WALFile, raftnode.SnapshotFile), so
// the invariant checker reads both alike: a snapshot file, and a WAL that
// starts after it (wal.AppendStart) with HardStates and entries.
//
// An initial voter's first Start writes the initial configuration as a
// snapshot of index 1, term 1 and no data, and a WAL that starts after it
// (etcd's recommended bootstrap; doc.go). Each later snapshot, taken or
// installed, is written the way the bundled node writes one: the file
// under a temporary name renamed over the old, then a WAL started after
// it, also renamed into place, so the disk, which keeps its operations in
// order, always holds the old pair or the new one; a crash between the
// two renames leaves a snapshot newer than the WAL's start, which
// wal.State.After reconciles.

const (
	snapshotTemp = raftnode.SnapshotFile + ".tmp"
	walTemp      = raftnode.WALFile + ".tmp"
)

// initialSnapshot is the initial configuration, as the snapshot every
// initial voter starts from.
func (n *Node) initialSnapshot() raft.Snapshot {
	return raft.Snapshot{Meta: raft.SnapshotMeta{Index: 1, Term: 1}, Conf: raft.ConfState{Voters: n.initialVoters()}}
}

// recover reads the snapshot and the WAL back, cutting off a torn tail.
// A damaged file stops the node (refuse). ok is false if the node cannot
// start.
func (n *Node) recover() (hs raft.HardState, snap raft.Snapshot, entries []raft.Entry, ok bool) {
	disk := n.env.Disk()
	disk.Remove(snapshotTemp) // a temporary file a crash left is garbage
	disk.Remove(walTemp)
	data, haveSnap := disk.ReadFile(raftnode.SnapshotFile)
	if haveSnap {
		s, err := wal.DecodeSnapshot(data)
		if err != nil {
			n.refuse(fmt.Errorf("etcdnode: snapshot of %s: %w", n.env.Name(), err))
			return hs, snap, nil, false
		}
		snap = s
	}
	walData, haveWAL := disk.ReadFile(raftnode.WALFile)
	if !haveSnap && !haveWAL {
		if n.joining || !n.isInitialVoter() {
			return hs, snap, nil, true // empty: a leader will send what it needs
		}
		snap = n.initialSnapshot()
		n.writeSnapshot(snap, raft.HardState{}, nil)
		return hs, snap, nil, true
	}
	st, valid, err := wal.Decode(walData)
	if err != nil {
		n.refuse(fmt.Errorf("etcdnode: WAL of %s: %w", n.env.Name(), err))
		return hs, snap, nil, false
	}
	if dmg := disk.Damaged(); len(dmg) > 0 {
		n.env.Fail(fmt.Errorf("etcdnode: %s recovered from a disk damaged at byte %d of %s (bit %d) without noticing: corruption must stop a node, never be applied", n.env.Name(), dmg[0].Off, dmg[0].File, dmg[0].Bit))
		return hs, snap, nil, false
	}
	if valid < len(walData) {
		n.recoveredTorn = len(walData) - valid
		n.env.Note("wal: discarded a torn tail of %d bytes", n.recoveredTorn)
		disk.Truncate(raftnode.WALFile, valid)
	}
	if entries, err = st.After(snap.Meta); err != nil {
		n.env.Fail(fmt.Errorf("etcdnode: recovering %s: %w", n.env.Name(), err))
		return hs, snap, nil, false
	}
	hs = st.HardState
	hs.Commit = max(hs.Commit, snap.Meta.Index) // (see Start)
	if snap.Meta != st.Start {
		// A crash came between the snapshot and the WAL after it.
		n.startWAL(snap.Meta, hs, entries)
	}
	return hs, snap, entries, true
}

// refuse stops a node whose files cannot be read: on a damaged disk it
// halts, as it should; on an undamaged one it wrote what it cannot read,
// and the run fails.
func (n *Node) refuse(err error) {
	if len(n.env.Disk().Damaged()) == 0 {
		n.env.Fail(err)
		return
	}
	n.env.Halt(err.Error())
}

// writeSnapshot makes snap the durable snapshot and starts the WAL over
// after it, with hs and entries, which follow it.
func (n *Node) writeSnapshot(snap raft.Snapshot, hs raft.HardState, entries []raft.Entry) {
	disk := n.env.Disk()
	disk.WriteFile(snapshotTemp, wal.EncodeSnapshot(snap))
	disk.Rename(snapshotTemp, raftnode.SnapshotFile)
	n.env.Sync() // on its own, as a file is synced before it is relied on
	n.startWAL(snap.Meta, hs, entries)
}

// startWAL replaces the WAL with one that starts after meta: the term and
// vote (with a commit the snapshot backs), the start, the entries, then
// the whole HardState if its commit is beyond the snapshot, so that every
// record boundary is a recoverable state.
func (n *Node) startWAL(meta raft.SnapshotMeta, hs raft.HardState, entries []raft.Entry) {
	buf := wal.AppendHardState(n.walBuf[:0], raft.HardState{Term: hs.Term, Vote: hs.Vote, Commit: min(hs.Commit, meta.Index)})
	buf = wal.AppendStart(buf, meta)
	for _, e := range entries {
		buf = wal.AppendEntry(buf, e)
	}
	if hs.Commit > meta.Index {
		buf = wal.AppendHardState(buf, hs)
	}
	disk := n.env.Disk()
	disk.WriteFile(walTemp, buf)
	disk.Rename(walTemp, raftnode.WALFile)
	n.walBuf = buf
}

// appendWAL appends a Ready's entries, then its HardState (if it
// changed), as etcd's own WAL saves them: a crash can keep any prefix of
// what was not synced, and a HardState whose commit covers entries that a
// crash then lost is one etcd refuses to start from ("state.commit is out
// of range").
func (n *Node) appendWAL(hs *raft.HardState, entries []raft.Entry) {
	buf := n.walBuf[:0]
	for _, e := range entries {
		buf = wal.AppendEntry(buf, e)
	}
	if hs != nil {
		buf = wal.AppendHardState(buf, *hs)
	}
	if len(buf) > 0 {
		n.env.Disk().Append(raftnode.WALFile, buf)
	}
	n.walBuf = buf
}
