package checker_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
)

func TestJSONLRoundTrip(t *testing.T) {
	h := checker.History{
		{Index: 0, Type: checker.Invoke, F: "write", Key: "k1", Value: checker.Value(3), Process: 0, Time: 10},
		{Index: 1, Type: checker.Invoke, F: "partition", Value: checker.Value([]string{"n1"}), Process: checker.Nemesis, Time: 11},
		{Index: 2, Type: checker.OK, F: "write", Key: "k1", Value: checker.Value(3), Process: 0, Time: 20},
		{Index: 3, Type: checker.Invoke, F: "cas", Key: "k1", Value: checker.Value([2]int{3, 4}), Process: 1, Time: 30},
		{Index: 4, Type: checker.Info, F: "cas", Key: "k1", Value: checker.Value([2]int{3, 4}), Process: 1, Time: 40, Error: "timeout"},
	}
	var buf bytes.Buffer
	require.NoError(t, checker.WriteJSONL(&buf, h))
	assert.Contains(t, buf.String(), `"process":"nemesis"`)
	got, err := checker.ReadJSONL(&buf, "h.jsonl")
	require.NoError(t, err)
	assert.Equal(t, h, got)
}

func TestReadJSONLNamesTheLineAndField(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"bad json", `{"type":"invoke",`, "h.jsonl:1: not valid JSON"},
		{"missing type", `{"f":"read","process":0,"time":1}`, "h.jsonl:1: field type: missing"},
		{"bad type", `{"type":"done","f":"read","process":0,"time":1}`, `h.jsonl:1: field type: "done"`},
		{"missing process", `{"type":"invoke","f":"read","time":1}`, "h.jsonl:1: field process: missing"},
		{"bad process", `{"type":"invoke","f":"read","process":"p1","time":1}`, "process must be a non-negative integer"},
		{"wrong field type", `{"type":"invoke","f":"read","process":0,"time":"soon"}`, "h.jsonl:1: field time: want int64"},
		{"missing f", "{\"type\":\"invoke\",\"f\":\"read\",\"process\":0,\"time\":1}\n{\"type\":\"ok\",\"process\":0,\"time\":2}", "h.jsonl:2: field f: missing"},
		{"double invoke", "{\"type\":\"invoke\",\"f\":\"read\",\"process\":0,\"time\":1}\n{\"type\":\"invoke\",\"f\":\"read\",\"process\":0,\"time\":2}", "event 1: process 0 invokes while"},
		{"orphan completion", `{"type":"ok","f":"read","process":3,"time":1}`, "process 3 completes (ok) an operation it never invoked"},
		{"f mismatch", "{\"type\":\"invoke\",\"f\":\"read\",\"process\":0,\"time\":1}\n{\"type\":\"ok\",\"f\":\"write\",\"process\":0,\"time\":2}", `completes f="write" but invoked f="read"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := checker.ReadJSONL(strings.NewReader(tc.in), "h.jsonl")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}

func TestReadJSONLIgnoresUnknownFieldsAndBlankLines(t *testing.T) {
	in := "{\"type\":\"invoke\",\"f\":\"read\",\"process\":0,\"time\":1,\"node\":\"n1\"}\n\n{\"type\":\"ok\",\"f\":\"read\",\"process\":0,\"time\":2,\"value\":null}\n"
	h, err := checker.ReadJSONL(strings.NewReader(in), "h.jsonl")
	require.NoError(t, err)
	require.Len(t, h, 2)
	assert.Equal(t, 1, h[1].Index)
}
