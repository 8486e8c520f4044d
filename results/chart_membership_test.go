package results

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"raftcheck/checker"
)

// The table lists each node's change of configuration and each snapshot it
// installed, in time order; a run with neither has no table.
func TestMembershipTable(t *testing.T) {
	s := func(at int64, node, conf string, installs int, snap uint64) checker.RaftSample {
		return checker.RaftSample{At: at, Node: node, Life: "up", Conf: conf, Installs: installs, Snapshot: snap}
	}
	quiet := []checker.RaftSample{s(0, "n1", "voters=(1 2 3)", 0, 0), s(1e9, "n1", "voters=(1 2 3)", 0, 0)}
	assert.Empty(t, membershipTable(quiet).Rows)

	busy := []checker.RaftSample{
		s(0, "n1", "voters=(1 2 3)", 0, 0),
		s(0, "n2", "voters=(1 2 3)", 0, 0),
		{At: 5e8, Node: "n2", Life: "down"},
		s(1e9, "n1", "voters=(1 2 3 4)", 0, 0),
		s(2e9, "n2", "voters=(1 2 3 4)", 1, 40),
	}
	rows := membershipTable(busy).Rows
	var got [][]string
	for _, r := range rows {
		got = append(got, []string{r[0].Text, r[1].Text, r[2].Text, r[3].Text})
	}
	assert.Equal(t, [][]string{
		{"1.000s", "n1", "configuration", "voters=(1 2 3) → voters=(1 2 3 4)"},
		{"2.000s", "n2", "configuration", "voters=(1 2 3) → voters=(1 2 3 4)"},
		{"2.000s", "n2", "installed a snapshot", "log now starts after index 40"},
	}, got)
}
