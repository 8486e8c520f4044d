package workloads_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
	"raftcheck/workloads"
)

// scanOf is a Scan over JSON Lines held in memory.
func scanOf(b []byte) workloads.Scan {
	return func(each func(*checker.Event) error) error {
		return checker.ScanJSONL(bytes.NewReader(b), "h.jsonl", each)
	}
}

// wholeAndByKey checks b both ways: read whole, and key by key.
func wholeAndByKey(t *testing.T, b []byte, model string) (whole, byKey *workloads.Checked, wholeErr, byKeyErr error) {
	t.Helper()
	h, err := checker.ReadJSONL(bytes.NewReader(b), "h.jsonl")
	if err == nil {
		whole, wholeErr = workloads.CheckModelWith(h, model, workloads.ModelOptions{}, time.Minute)
	} else {
		wholeErr = err
	}
	byKey, byKeyErr = workloads.CheckModelByKey(scanOf(b), "h.jsonl", model, workloads.ModelOptions{}, time.Minute)
	return whole, byKey, wholeErr, byKeyErr
}

// Checking key by key as the file is read gives every history of the
// checkers' fixtures, under every model, the verdicts of checking it
// whole, and the same stats.
func TestCheckingByKeyGivesTheVerdictsOfCheckingWhole(t *testing.T) {
	files, err := filepath.Glob("../checker/testdata/*.jsonl")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	// And two of many keys, one with a stale read; in the second, the
	// completions name no key, and belong to their invocations'.
	files = append(files, "many keys", "completions without keys")
	for _, file := range files {
		var b []byte
		switch file {
		case "many keys":
			b = manyKeysHistory(400, 17)
		case "completions without keys":
			b = regexp.MustCompile(`("type":"ok","f":"[a-z]+"),"key":"k[0-9]+"`).ReplaceAll(manyKeysHistory(400, 17), []byte("$1"))
			require.NotContains(t, string(b), `"type":"ok","f":"read","key"`)
		default:
			b, err = os.ReadFile(file)
			require.NoError(t, err)
		}
		for _, model := range []string{"register", "cas-register", "counter", "set", "list-append"} {
			t.Run(filepath.Base(file)+"/"+model, func(t *testing.T) {
				whole, byKey, wholeErr, byKeyErr := wholeAndByKey(t, b, model)
				if wholeErr != nil {
					require.Error(t, byKeyErr)
					assert.Equal(t, wholeErr.Error(), byKeyErr.Error())
					return
				}
				require.NoError(t, byKeyErr)
				require.Equal(t, len(whole.Results), len(byKey.Results))
				for name, r := range whole.Results {
					assert.Equal(t, r.Valid, byKey.Results[name].Valid, "%s: whole %q, by key %q", name, r.Summary, byKey.Results[name].Summary)
				}
				assert.Equal(t, whole.Results["stats"].Summary, byKey.Results["stats"].Summary)
			})
		}
	}
}

// manyKeysHistory is a register history of keys used one after the other,
// each by two processes writing and reading it; key stale (if in range)
// has a read that returns the value before the latest write.
func manyKeysHistory(keys, stale int) []byte {
	var b strings.Builder
	t := int64(0)
	line := func(typ, f, key, value string, p int) {
		t += 1000
		fmt.Fprintf(&b, `{"index":0,"type":%q,"f":%q,"key":%q,"value":%s,"process":%d,"time":%d}`+"\n", typ, f, key, value, p, t)
	}
	for k := range keys {
		key := fmt.Sprintf("k%d", k)
		line("invoke", "write", key, "1", 0)
		line("ok", "write", key, "1", 0)
		line("invoke", "write", key, "2", 1)
		line("ok", "write", key, "2", 1)
		read := "2"
		if k == stale {
			read = "1"
		}
		line("invoke", "read", key, "null", 0)
		line("ok", "read", key, read, 0)
	}
	return []byte(b.String())
}

// A stale read in one key of hundreds is caught, and the others are
// checked and dropped as they close.
func TestCheckingByKeyCatchesOneBadKeyAmongMany(t *testing.T) {
	_, byKey, _, err := wholeAndByKey(t, manyKeysHistory(300, 150), "register")
	require.NoError(t, err)
	lin := byKey.Results["linearizable"]
	assert.Equal(t, checker.Invalid, lin.Valid, lin.Summary)
	assert.Contains(t, lin.Summary, "k150")
	assert.Contains(t, lin.Summary, "299 keys (897 operations) checked as each one's last event was read")

	_, byKey, _, err = wholeAndByKey(t, manyKeysHistory(300, -1), "register")
	require.NoError(t, err)
	lin = byKey.Results["linearizable"]
	assert.Equal(t, checker.Valid, lin.Valid, lin.Summary)
	assert.Equal(t, "linearizable: 300 keys (900 operations) checked as each one's last event was read, and dropped from memory: all passed", lin.Summary)
}

func TestCheckingByKeyRefusesWhatReadingWholeRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, history, want string
	}{
		{"no events", "\n\n", "no events"},
		{"a completion never invoked", `{"type":"ok","f":"read","key":"a","value":1,"process":0,"time":1}` + "\n",
			"h.jsonl: event 0: process 0 completes (ok) an operation it never invoked"},
		{"a bad line after a bad structure",
			`{"type":"ok","f":"read","key":"a","value":1,"process":0,"time":1}` + "\n" + `{"type":"ok",` + "\n",
			"h.jsonl:2: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := workloads.CheckModelByKey(scanOf([]byte(tc.history)), "h.jsonl", "register", workloads.ModelOptions{}, time.Minute)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// A file that changes between the two reads is refused, never checked
// half.
func TestCheckingByKeyRefusesAHistoryThatChangedBetweenReads(t *testing.T) {
	first, second := manyKeysHistory(10, -1), manyKeysHistory(5, -1)
	reads := 0
	scan := func(each func(*checker.Event) error) error {
		reads++
		b := first
		if reads > 1 {
			b = second
		}
		return checker.ScanJSONL(bytes.NewReader(b), "h.jsonl", each)
	}
	_, err := workloads.CheckModelByKey(scan, "h.jsonl", "register", workloads.ModelOptions{}, time.Minute)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "changed between its two reads")
}
