package checker_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
)

func setDetails(t *testing.T, r checker.Result) checker.SetDetails {
	t.Helper()
	d, ok := r.Details.(checker.SetDetails)
	require.True(t, ok, "details are %T", r.Details)
	return d
}

func TestCheckSetFixtures(t *testing.T) {
	tests := []struct {
		file  string
		valid checker.Validity
		check func(t *testing.T, d checker.SetDetails)
	}{
		{"set-ok.jsonl", checker.Valid, func(t *testing.T, d checker.SetDetails) {
			assert.Equal(t, 2, d.Keys)
			assert.Equal(t, 4, d.Reads)
			assert.Equal(t, 3, d.OK, "1 and 5 on s1, 10 on s2")
			assert.Equal(t, 2, d.Attempted, "2 and 4")
			assert.Equal(t, 1, d.Recovered, "2 was read")
			assert.Empty(t, d.ByKey)
		}},
		{"set-lost-bad.jsonl", checker.Invalid, func(t *testing.T, d checker.SetDetails) {
			require.Len(t, d.ByKey, 1)
			assert.Equal(t, checker.SetKey{Key: "s1", Lost: []int64{2},
				Witnesses: []checker.SetWitness{{Element: 2, Kind: "lost", Read: 9, Known: 3}}}, d.ByKey[0])
			assert.Equal(t, 1, d.Lost)
		}},
		{"set-unexpected-bad.jsonl", checker.Invalid, func(t *testing.T, d checker.SetDetails) {
			require.Len(t, d.ByKey, 1)
			assert.Equal(t, []int64{7, 8}, d.ByKey[0].Unexpected, "7 never added; 8's only add failed")
			assert.Equal(t, []checker.SetWitness{{Element: 7, Kind: "unexpected", Read: 7, Known: -1}, {Element: 8, Kind: "unexpected", Read: 7, Known: -1}}, d.ByKey[0].Witnesses)
			assert.Equal(t, 2, d.Unexpected)
			assert.Zero(t, d.Lost)
		}},
		{"set-stale-bad.jsonl", checker.Invalid, func(t *testing.T, d checker.SetDetails) {
			require.Len(t, d.ByKey, 1)
			assert.Equal(t, []int64{1}, d.ByKey[0].Stale)
			assert.Empty(t, d.ByKey[0].Lost)
			assert.Equal(t, []checker.SetWitness{{Element: 1, Kind: "stale", Read: 5, Known: 1}}, d.ByKey[0].Witnesses)
		}},
		{"set-no-final-read-unknown.jsonl", checker.Unknown, func(t *testing.T, d checker.SetDetails) {
			assert.Equal(t, []string{"s2"}, d.Unread)
			require.Len(t, d.ByKey, 1)
			assert.Equal(t, checker.SetKey{Key: "s2", NeverRead: []int64{5}}, d.ByKey[0])
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			h := loadJSONL(t, tc.file)
			require.True(t, hasInfo(h), "every fixture has an indeterminate operation")
			r := checker.CheckSet(h)
			assert.Equal(t, tc.valid, r.Valid, r.Summary)
			assert.NotContains(t, r.Summary, "\n")
			tc.check(t, setDetails(t, r))
		})
	}
}

func TestCheckSet(t *testing.T) {
	tests := []struct {
		name  string
		h     func(b *wlHistory) *wlHistory
		valid checker.Validity
		check func(t *testing.T, d checker.SetDetails)
	}{
		{"an add concurrent with a read may be missing from it", func(b *wlHistory) *wlHistory {
			return b.inv(0, "add", "s", 1).inv(1, "members", "s", nil).ok(0, nil).ok(1, []int{}).
				inv(2, "members", "s", nil).ok(2, []int{1}).inv(3, "add", "s", 2).info(3)
		}, checker.Valid, nil},
		{"an indeterminate add may appear late", func(b *wlHistory) *wlHistory {
			return b.inv(0, "add", "s", 1).info(0).inv(1, "members", "s", nil).ok(1, []int{}).
				inv(2, "members", "s", nil).ok(2, []int{1})
		}, checker.Valid, func(t *testing.T, d checker.SetDetails) {
			assert.Equal(t, 1, d.Recovered)
		}},
		{"an indeterminate add once read must stay", func(b *wlHistory) *wlHistory {
			return b.inv(0, "add", "s", 1).info(0).inv(1, "members", "s", nil).ok(1, []int{1}).
				inv(2, "members", "s", nil).ok(2, []int{})
		}, checker.Invalid, func(t *testing.T, d checker.SetDetails) {
			assert.Equal(t, []int64{1}, d.ByKey[0].Lost)
			assert.Equal(t, checker.SetWitness{Element: 1, Kind: "lost", Read: 5, Known: 3}, d.ByKey[0].Witnesses[0])
		}},
		{"an element read before its add was invoked", func(b *wlHistory) *wlHistory {
			return b.inv(1, "members", "s", nil).ok(1, []int{1}).inv(0, "add", "s", 1).info(0).
				inv(2, "members", "s", nil).ok(2, []int{1})
		}, checker.Invalid, func(t *testing.T, d checker.SetDetails) {
			assert.Equal(t, []int64{1}, d.ByKey[0].Unexpected)
			assert.Equal(t, 1, d.ByKey[0].Witnesses[0].Read)
		}},
		{"lost, though seen again before the final read", func(b *wlHistory) *wlHistory {
			return b.inv(0, "add", "s", 1).ok(0, nil).
				inv(1, "members", "s", nil).ok(1, []int{}).
				inv(2, "members", "s", nil).ok(2, []int{1}).
				inv(3, "members", "s", nil).ok(3, []int{}).
				inv(4, "add", "s", 2).info(4)
		}, checker.Invalid, func(t *testing.T, d checker.SetDetails) {
			assert.Equal(t, []int64{1}, d.ByKey[0].Lost)
			assert.Empty(t, d.ByKey[0].Stale)
		}},
		{"acknowledged after the last read was invoked: never read", func(b *wlHistory) *wlHistory {
			return b.inv(0, "add", "s", 1).inv(1, "members", "s", nil).ok(1, []int{}).ok(0, nil).
				inv(2, "add", "s", 2).info(2)
		}, checker.Valid, func(t *testing.T, d checker.SetDetails) {
			assert.Equal(t, 1, d.NeverRead)
			assert.Equal(t, []int64{1}, d.ByKey[0].NeverRead)
		}},
		{"keys are independent", func(b *wlHistory) *wlHistory {
			return b.inv(0, "add", "a", 1).ok(0, nil).inv(1, "add", "b", 2).info(1).
				inv(2, "members", "a", nil).ok(2, []int{1}).inv(3, "members", "b", nil).ok(3, []int{1})
		}, checker.Invalid, func(t *testing.T, d checker.SetDetails) {
			require.Len(t, d.ByKey, 1)
			assert.Equal(t, "b", d.ByKey[0].Key)
			assert.Equal(t, []int64{1}, d.ByKey[0].Unexpected)
		}},
		{"invalid beats unknown", func(b *wlHistory) *wlHistory {
			return b.inv(0, "add", "a", 1).info(0).inv(1, "members", "b", nil).ok(1, []int{9})
		}, checker.Invalid, func(t *testing.T, d checker.SetDetails) {
			assert.Equal(t, []string{"a"}, d.Unread)
		}},
		{"reads in any order, with repeats", func(b *wlHistory) *wlHistory {
			return b.inv(0, "add", "s", 2).ok(0, nil).inv(1, "add", "s", 1).info(1).inv(2, "members", "s", nil).ok(2, []int{2, 1, 2})
		}, checker.Valid, nil},
		{"a malformed read", func(b *wlHistory) *wlHistory {
			return b.inv(0, "add", "s", 1).info(0).inv(1, "members", "s", nil).ok(1, map[string]int{"a": 1})
		}, checker.Invalid, func(t *testing.T, d checker.SetDetails) {
			require.Len(t, d.Malformed, 1)
			assert.Equal(t, 3, d.Malformed[0].Index)
			assert.Contains(t, d.Malformed[0].Reason, "want a list of integers")
		}},
		{"a malformed add", func(b *wlHistory) *wlHistory {
			return b.inv(0, "add", "s", []int{1}).info(0).inv(1, "members", "s", nil).ok(1, []int{})
		}, checker.Invalid, func(t *testing.T, d checker.SetDetails) {
			require.Len(t, d.Malformed, 1)
			assert.Equal(t, 0, d.Malformed[0].Index)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := checker.CheckSet(tc.h(newWL(t)).build())
			assert.Equal(t, tc.valid, r.Valid, r.Summary)
			if tc.check != nil {
				tc.check(t, setDetails(t, r))
			}
		})
	}
}

func TestCheckSetWithoutSetOpsIsUnknown(t *testing.T) {
	r := checker.CheckSet(newWL(t).inv(0, "incr", "c", nil).ok(0, 1).build())
	assert.Equal(t, checker.Unknown, r.Valid)
	assert.Contains(t, r.Summary, "no set operations")
}

// BenchmarkCheckSet checks 10,000 adds and 1,000 reads of up to 10,000
// members each (5 million observations).
func BenchmarkCheckSet(b *testing.B) {
	h := bigReads(b, 10_000, "add", "members")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := checker.CheckSet(h); r.Valid != checker.Valid {
			b.Fatal(r.Summary)
		}
	}
}
