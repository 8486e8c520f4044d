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
		{"commit behind the entries before it", hs(entries(nil, 1, 1, 1, 2), 3), true},
		{"commit written before the entries it covers", entries(hs(entries(nil, 1, 1), 3), 2, 1, 2), false},
		{"commit over a stale entry, the committed one written after", entries(hs(entries(nil, 1, 1, 1), 2), 2, 2), false},
		{"no commit yet", entries(hs(nil, 0), 1, 1), true},
		{"commit going back in a later HardState", hs(hs(entries(nil, 1, 1, 1, 2), 1), 0), false},
		{"commit written again unchanged", hs(hs(entries(nil, 1, 1, 1, 2), 1), 1), true},
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
