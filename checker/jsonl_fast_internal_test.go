package checker

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jsonlLines are lines the fast decoder must take, and lines it must leave
// to encoding/json, for the tests and as the fuzzer's seeds.
var jsonlLines = []string{
	`{"index":0,"type":"invoke","f":"cas","key":"k10","value":[1,1],"process":6,"time":14380027}`,
	`{"index":2,"type":"ok","f":"read","key":"k5","value":null,"process":7,"time":77458433}`,
	`{"index":3,"type":"info","f":"write","key":"k9","value":3,"process":8,"time":85565940,"error":"timeout"}`,
	`{"index":4,"type":"invoke","f":"partition","value":{"cut":[["n1"],["n2","n3"]],"x":-1.5e3},"process":"nemesis","time":5}`,
	` { "type" : "fail" , "f" : "add" , "value" : "a \"q\" \u00e9" , "process" : 0 , "time" : 0 } `,
	`{"type":"ok","f":"read","value":[],"process":1,"time":2,"key":"ключ"}`,
	`{"type":"ok","f":"read","value":{},"process":1,"time":-2}`,
	`{"type":"ok","f":"read","value":true,"process":1,"time":2,"type":"invoke"}`,
	// Left to encoding/json: each is declined, and decided there.
	`{"Type":"ok","f":"read","process":1,"time":2}`,
	`{"type":"ok","f":"read","process":1,"time":2,"node":"n1"}`,
	`{"type":"o\u006b","f":"read","process":1,"time":2}`,
	`{"type":null,"f":"read","process":1,"time":2}`,
	`{"type":"ok","f":"read","process":1,"time":2.0}`,
	`{"type":"ok","f":"read","process":1,"time":1e3}`,
	`{"type":"ok","f":"read","process":01,"time":1}`,
	`{"type":"ok","f":"read","process":-1,"time":1}`,
	`{"type":"ok","f":"read","process":"nem","time":1}`,
	`{"type":"ok","f":"read","process":1,"time":12345678901234567890}`,
	`{"type":"ok","f":"read","process":1,"time":1,"value":[1,}`,
	`{"type":"ok","f":"read","process":1,"time":1} x`,
	`{"type":"ok","f":"read","process":1,"time":1,"value":"\x"}`,
	`{"type":"ok","f":"read","process":1,"time":1,"value":01}`,
	`{"type":"ok","f":"read","process":1,"time":1,"value":-}`,
	`{"type":"ok","f":"re` + "\xff" + `ad","process":1,"time":1}`,
	`{"f":"read","process":1,"time":1}`,
	`{}`,
	`[1,2]`,
	`{"type":"ok","f":"read","process":1,"time":1,"value":nul}`,
}

func TestTheFastDecoderTakesOurOwnLines(t *testing.T) {
	h := History{
		{Type: Invoke, F: "write", Key: "k1", Value: Value(3), Process: 0, Time: 10},
		{Type: Invoke, F: "partition", Value: Value(map[string][]string{"cut": {"n1"}}), Process: Nemesis, Time: 11},
		{Type: OK, F: "write", Key: "k1", Value: Value(3), Process: 0, Time: 20},
		{Type: Invoke, F: "cas", Key: "k1", Value: Value([2]int{3, 4}), Process: 1, Time: 30},
		{Type: Info, F: "cas", Key: "k1", Value: Value([2]int{3, 4}), Process: 1, Time: 40, Error: "timeout: no answer in 1s"},
		{Type: Invoke, F: "read", Key: "k1", Value: Value(nil), Process: 2, Time: 50},
		{Type: OK, F: "read", Key: "k1", Value: Value([]int64{1, 2, 3}), Process: 2, Time: 60},
	}
	for i := range h {
		h[i].Index = i
	}
	var buf bytes.Buffer
	require.NoError(t, WriteJSONL(&buf, h))
	var d eventDecoder
	for i, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		var e Event
		hasType, hasProcess, ok := d.decode(line, &e)
		require.True(t, ok && hasType && hasProcess, "line %d, %s, is taken by the fast decoder", i, line)
		assert.Equal(t, h[i], e)
	}
}

func TestTheFastDecoderAgreesOrDeclines(t *testing.T) {
	taken := 0
	for _, line := range jsonlLines {
		if agree(t, []byte(line)) {
			taken++
		}
	}
	assert.Equal(t, 8, taken, "the first eight lines are taken, the others left to encoding/json")
}

// agree checks that a line the fast decoder takes is decoded by
// encoding/json to the same event, and says whether it was taken.
func agree(t *testing.T, line []byte) bool {
	t.Helper()
	var d eventDecoder
	var fast Event
	hasType, hasProcess, ok := d.decode(line, &fast)
	if !ok || !hasType || !hasProcess {
		return false
	}
	slow, err := decodeEventJSON(line)
	require.NoError(t, err, "the fast decoder took %q, which encoding/json refuses", line)
	if len(slow.Value) == 0 && len(fast.Value) == 0 {
		slow.Value, fast.Value = nil, nil
	}
	require.Equal(t, slow, fast, "%q", line)
	return true
}

func FuzzReadJSONLAgrees(f *testing.F) {
	for _, line := range jsonlLines {
		f.Add([]byte(line))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		line = bytes.TrimSpace(line)
		agree(t, line)
	})
}
