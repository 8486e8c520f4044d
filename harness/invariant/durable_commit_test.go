package invariant_test

import (
	"testing"

	"raftcheck/harness/invariant"
	"raftcheck/raft"
	"raftcheck/raft/wal"
)

// Every prefix of a WAL that a crash can leave must hold a commit index its
// own entries back: a HardState record is judged against the entries
// durable before it.
func TestDurableCommit(t *testing.T) {
	entries := func(b []byte, from uint64, terms ...uint64) []byte {
		for i, term := range terms {
			b = wal.AppendEntry(b, raft.Entry{Index: from + uint64(i), Term: term})
		}
		return b
	}
	hs := func(b []byte, commit uint64) []byte {
		return wal.AppendHardState(b, raft.HardState{Term: 2, Commit: commit})
	}
	tests := []struct {
		name    string
		durable []byte
		ok      bool
	}{
		{"commit behind the entries before it", hs(entries(hs(nil, 0), 1, 1, 1, 2), 3), true},
		{"commit written before the entries it covers", entries(hs(entries(hs(nil, 0), 1, 1), 3), 2, 1, 2), false},
		{"commit over a stale entry, the committed one written after", entries(hs(entries(hs(nil, 0), 1, 1, 1), 2), 2, 2), false},
		{"no commit yet", entries(hs(nil, 0), 1, 1), true},
		{"commit going back in a later HardState", hs(hs(entries(hs(nil, 0), 1, 1, 1, 2), 1), 0), false},
		{"commit written again unchanged", hs(hs(entries(hs(nil, 0), 1, 1, 1, 2), 1), 1), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, w, n := newCluster(t, 3)
			// Index 2 was committed in term 2 (for the stale-entry case).
			n[0].setLog(1, 2, 2)
			n[0].st.State, n[0].st.Term, n[0].st.Commit = raft.StateLeader, 2, 2
			w.durable[1] = walOf(raft.HardState{Term: 2, Vote: 1, Commit: 0}, 1, 2, 2)
			if err := c.Stepped(n[0]); err != nil {
				t.Fatal(err)
			}
			n[1].st.Term = 2
			w.durable[2] = tc.durable
			err := c.Sent(2, raft.Message{Type: raft.MsgHeartbeatResp, From: 2, To: 1, Term: 2})
			requireOutcome(t, err, tc.ok, invariant.DurableCommit, "n2")
		})
	}
}

// Every prefix of a WAL that a crash can leave must be a state the node's
// Raft recovers from. A Ready that moves the node to a new term and
// carries entries of it must write its HardState first: written after the
// entries, a crash between the two leaves entries above the durable term,
// and the node cannot restart.
func TestRecoverablePrefix(t *testing.T) {
	hsOf := func(b []byte, term, vote uint64) []byte {
		return wal.AppendHardState(b, raft.HardState{Term: term, Vote: vote})
	}
	entry := func(b []byte, index, term uint64) []byte {
		return wal.AppendEntry(b, raft.Entry{Index: index, Term: term})
	}
	tests := []struct {
		name    string
		durable []byte
		ok      bool
	}{
		{"the HardState of a new term before its entries", entry(entry(hsOf(entry(hsOf(nil, 1, 0), 1, 1), 2, 0), 2, 2), 3, 2), true},
		{"entries of a new term before its HardState", hsOf(entry(entry(hsOf(entry(hsOf(nil, 1, 0), 1, 1), 1, 0), 2, 2), 3, 2), 2, 0), false},
		{"a truncation to a later term's entry", entry(entry(hsOf(entry(entry(hsOf(nil, 1, 0), 1, 1), 2, 1), 2, 0), 2, 2), 3, 2), true},
		{"terms going back along the log", entry(entry(hsOf(nil, 2, 0), 1, 2), 2, 1), false},
		{"a vote with no term", hsOf(nil, 0, 3), false},
		{"a HardState below the entries' term", hsOf(entry(hsOf(nil, 2, 0), 1, 2), 1, 0), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, w, n := newCluster(t, 3)
			n[0].st.State, n[0].st.Term = raft.StateLeader, 2
			w.durable[1] = walOf(raft.HardState{Term: 2, Vote: 1}, 1)
			if err := c.Stepped(n[0]); err != nil {
				t.Fatal(err)
			}
			n[1].st.Term = 2
			w.durable[2] = tc.durable
			err := c.Sent(2, raft.Message{Type: raft.MsgHeartbeatResp, From: 2, To: 1, Term: 2})
			requireOutcome(t, err, tc.ok, invariant.RecoverablePrefix, "n2")
		})
	}
}
