package invariant

import (
	"raftcheck/harness/raftnode"
	"raftcheck/raft"
)

// SnapshotSafety: a snapshot stands for a prefix of the committed log and
// for nothing else. A node snapshots only what it has applied, and a
// snapshot's last index and term are those of the entry applied there
// everywhere; so a node that installs one holds what State Machine Safety
// says every node holds at that index. (That its state is the state those
// entries build is the state-machine oracle's: the service reports the
// digest a snapshot brings as it reports every applied entry's.)
const SnapshotSafety = "Snapshot Safety"

// Compacted checks a snapshot n took of its own state machine.
func (c *Checker) Compacted(n raftnode.View, snap raft.SnapshotMeta) error {
	if snap.Index > n.AppliedIndex() {
		return c.violation(SnapshotSafety, n, "took a snapshot at index %d, beyond the %d its state machine applied", snap.Index, n.AppliedIndex())
	}
	if err := c.checkSnapshot(n, "took", snap); err != nil {
		return err
	}
	return c.confCompacted(n, snap)
}

// Restored checks a snapshot n installed from a leader.
func (c *Checker) Restored(n raftnode.View, snap raft.SnapshotMeta) error {
	if err := c.checkSnapshot(n, "installed", snap); err != nil {
		return err
	}
	return c.confStarted(n, "installed")
}

func (c *Checker) checkSnapshot(n raftnode.View, what string, snap raft.SnapshotMeta) error {
	if snap.Index > c.applied.len() {
		return c.violation(SnapshotSafety, n, "%s a snapshot of index %d/t%d, beyond any index ever applied (%d): a snapshot of entries not known committed", what, snap.Index, snap.Term, c.applied.len())
	}
	if first, ok := c.applied.at(snap.Index); ok && first.term != snap.Term {
		return c.violation(SnapshotSafety, n, "%s a snapshot of index %d/t%d, where an entry of term %d was applied", what, snap.Index, snap.Term, first.term)
	}
	if snap.Index <= c.committed.len() {
		if ce, ok := c.committed.at(snap.Index); ok && ce.entry.term != snap.Term {
			return c.violation(SnapshotSafety, n, "%s a snapshot of index %d/t%d, where an entry of term %d was committed", what, snap.Index, snap.Term, ce.entry.term)
		}
	}
	return nil
}
