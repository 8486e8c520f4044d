package results

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
)

func TestRaftJSONLRoundTrips(t *testing.T) {
	in := synthRaft(3e9)
	var buf bytes.Buffer
	require.NoError(t, WriteRaftJSONL(&buf, in))
	assert.Equal(t, len(in), strings.Count(buf.String(), "\n"))
	out, err := ReadRaftJSONL(&buf, FileRaft)
	require.NoError(t, err)
	assert.Equal(t, in, out)

	_, err = ReadRaftJSONL(strings.NewReader("{\"at\":1}\n{oops\n"), FileRaft)
	assert.ErrorContains(t, err, "raft.jsonl:2")
}

func TestAnnotationsShowFaultsCrashesAndLeaders(t *testing.T) {
	faults := []Fault{
		{Kind: "partition-one", Group: "partition", Start: 1e9, End: 2e9, Description: "isolated n2", Nodes: []string{"n2"}},
		{Kind: "kill-minority", Group: "kill", Start: 3e9, End: 4e9, Description: "killed n1 n3", Nodes: []string{"n1", "n3"}},
		{Kind: "pause-one", Group: "pause", Start: 5e9, Description: "paused n4", Nodes: []string{"n4"}},
	}
	samples := []checker.RaftSample{
		{At: 0, Node: "n1", Life: lifeUp, State: stateLead, Term: 2},
		{At: 3e9, Node: "n1", Life: lifeDown},
		{At: 3e9, Node: "n2", Life: lifeUp, State: stateLead, Term: 3},
	}
	as := Annotations(faults, samples, 6e9)
	type row struct {
		tag, desc  string
		start, end int64
	}
	var got []row
	for _, a := range as {
		got = append(got, row{a.Tag, a.Description, a.Start, a.End})
	}
	assert.Equal(t, []row{
		{"nemesis", "partition-one isolated n2", 1e9, 2e9},
		{"nemesis", "kill-minority killed n1 n3", 3e9, 4e9},
		{"n1", "crashed", 3e9, 4e9},
		{"n3", "crashed", 3e9, 4e9},
		{"nemesis", "pause-one paused n4", 5e9, 6e9}, // still in force at the end
		{"n4", "paused", 5e9, 6e9},
		{"leader", "n1 t2", 0, 3e9},
		{"leader", "n2 t3", 3e9, 6e9},
	}, got)
}
