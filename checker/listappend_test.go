package checker_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
)

func listDetails(t *testing.T, r checker.Result) checker.ListAppendDetails {
	t.Helper()
	d, ok := r.Details.(checker.ListAppendDetails)
	require.True(t, ok, "details are %T", r.Details)
	return d
}

// anomalies counts every kind of anomaly a list-append check found.
func anomalies(d checker.ListAppendDetails) map[string]int {
	out := map[string]int{}
	for k, n := range map[string]int{"diverged": d.DivergedCount, "stale": d.StaleCount, "duplicated": d.DuplicatedCount,
		"unexpected": d.UnexpectedCount, "lost": d.LostCount, "reordered": d.ReorderedCount, "malformed": len(d.Malformed)} {
		if n > 0 {
			out[k] = n
		}
	}
	return out
}

func TestCheckListAppendFixtures(t *testing.T) {
	tests := []struct {
		file  string
		valid checker.Validity
		check func(t *testing.T, d checker.ListAppendDetails)
	}{
		{"listappend-ok.jsonl", checker.Valid, func(t *testing.T, d checker.ListAppendDetails) {
			assert.Equal(t, 2, d.Keys)
			assert.Equal(t, 5, d.Reads)
			assert.Equal(t, 3, d.OKAppends)
			assert.Equal(t, 2, d.InfoAppends, "one info, one never completed")
			assert.Equal(t, 1, d.FailAppends)
			assert.Empty(t, anomalies(d))
		}},
		{"listappend-diverged-bad.jsonl", checker.Invalid, func(t *testing.T, d checker.ListAppendDetails) {
			assert.Equal(t, map[string]int{"diverged": 1}, anomalies(d))
			assert.Equal(t, []checker.ListDivergence{{Key: "l1", Read: 8, Other: 9, At: 1, Element: 2, OtherElement: 3}}, d.Diverged)
		}},
		{"listappend-stale-bad.jsonl", checker.Invalid, func(t *testing.T, d checker.ListAppendDetails) {
			assert.Equal(t, map[string]int{"stale": 1}, anomalies(d))
			assert.Equal(t, []checker.ListStaleRead{{Key: "l1", Earlier: 5, Later: 7, EarlierLen: 2, LaterLen: 1}}, d.Stale)
		}},
		{"listappend-duplicate-bad.jsonl", checker.Invalid, func(t *testing.T, d checker.ListAppendDetails) {
			assert.Equal(t, map[string]int{"duplicated": 1}, anomalies(d))
			assert.Equal(t, []checker.ListElement{{Key: "l1", Element: 1, Read: 5, Reads: 1}}, d.Duplicated)
		}},
		{"listappend-unexpected-bad.jsonl", checker.Invalid, func(t *testing.T, d checker.ListAppendDetails) {
			assert.Equal(t, map[string]int{"unexpected": 2}, anomalies(d))
			assert.Equal(t, []checker.ListElement{{Key: "l1", Element: 9, Read: 7, Reads: 1}, {Key: "l1", Element: 5, Read: 7, Reads: 1}}, d.Unexpected,
				"9 never appended; 5's only append failed")
		}},
		{"listappend-lost-bad.jsonl", checker.Invalid, func(t *testing.T, d checker.ListAppendDetails) {
			assert.Equal(t, map[string]int{"lost": 1}, anomalies(d))
			assert.Equal(t, []checker.ListLost{{Key: "l1", Element: 2, Append: 3, Read: 7, Reads: 1}}, d.Lost)
		}},
		{"listappend-reordered-bad.jsonl", checker.Invalid, func(t *testing.T, d checker.ListAppendDetails) {
			assert.Equal(t, map[string]int{"reordered": 1}, anomalies(d))
			assert.Equal(t, []checker.ListReorder{{Key: "l1", Read: 7, First: 2, Second: 1, FirstInvoke: 2, SecondDone: 1}}, d.Reordered)
		}},
		{"listappend-no-read-unknown.jsonl", checker.Unknown, func(t *testing.T, d checker.ListAppendDetails) {
			assert.Empty(t, anomalies(d))
			assert.Equal(t, []string{"l2"}, d.Unread)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			h := loadJSONL(t, tc.file)
			require.True(t, hasInfo(h), "every fixture has an indeterminate operation")
			r := checker.CheckListAppend(h)
			assert.Equal(t, tc.valid, r.Valid, r.Summary)
			assert.NotContains(t, r.Summary, "\n")
			tc.check(t, listDetails(t, r))
		})
	}
}

func TestCheckListAppend(t *testing.T) {
	tests := []struct {
		name  string
		h     func(b *wlHistory) *wlHistory
		valid checker.Validity
		want  map[string]int // anomalies
		check func(t *testing.T, d checker.ListAppendDetails)
	}{
		{"concurrent reads may differ in length either way", func(b *wlHistory) *wlHistory {
			return b.inv(0, "append", "l", 1).ok(0, nil).inv(1, "append", "l", 2).
				inv(2, "list", "l", nil).inv(3, "list", "l", nil).ok(3, []int{1}).ok(1, nil).ok(2, []int{1, 2}).
				inv(4, "list", "l", nil).ok(4, []int{1, 2})
		}, checker.Valid, nil, nil},
		{"a read invoked before a longer one completed may be shorter", func(b *wlHistory) *wlHistory {
			return b.inv(0, "append", "l", 1).ok(0, nil).inv(1, "append", "l", 2).info(1).
				inv(2, "list", "l", nil).inv(3, "list", "l", nil).ok(2, []int{1, 2}).ok(3, []int{1})
		}, checker.Valid, nil, nil},
		{"concurrent appends may land in either order", func(b *wlHistory) *wlHistory {
			return b.inv(0, "append", "l", 1).inv(1, "append", "l", 2).ok(1, nil).ok(0, nil).
				inv(2, "list", "l", nil).ok(2, []int{2, 1}).inv(3, "append", "l", 3).info(3)
		}, checker.Valid, nil, nil},
		{"an element appended twice may be read twice", func(b *wlHistory) *wlHistory {
			return b.inv(0, "append", "l", 1).ok(0, nil).inv(1, "append", "l", 1).info(1).
				inv(2, "list", "l", nil).ok(2, []int{1, 1})
		}, checker.Valid, nil, nil},
		{"but not three times", func(b *wlHistory) *wlHistory {
			return b.inv(0, "append", "l", 1).ok(0, nil).inv(1, "append", "l", 1).info(1).
				inv(2, "list", "l", nil).ok(2, []int{1, 1, 1}).inv(3, "list", "l", nil).ok(3, []int{1, 1, 1})
		}, checker.Invalid, map[string]int{"duplicated": 1}, func(t *testing.T, d checker.ListAppendDetails) {
			assert.Equal(t, checker.ListElement{Key: "l", Element: 1, Read: 5, Reads: 2}, d.Duplicated[0])
		}},
		{"a read from before the append's invocation", func(b *wlHistory) *wlHistory {
			return b.inv(0, "list", "l", nil).ok(0, []int{1}).inv(1, "append", "l", 1).ok(1, nil)
		}, checker.Invalid, map[string]int{"unexpected": 1}, nil},
		{"divergent reads, both stale", func(b *wlHistory) *wlHistory {
			return b.inv(0, "append", "l", 1).info(0).inv(1, "append", "l", 2).info(1).inv(2, "append", "l", 3).info(2).
				inv(3, "list", "l", nil).ok(3, []int{1, 2, 3}).
				inv(4, "list", "l", nil).ok(4, []int{2}).
				inv(5, "list", "l", nil).ok(5, []int{1, 3})
		}, checker.Invalid, map[string]int{"diverged": 2, "stale": 2}, func(t *testing.T, d checker.ListAppendDetails) {
			assert.Equal(t, []checker.ListDivergence{
				{Key: "l", Read: 9, Other: 7, At: 0, Element: 2, OtherElement: 1},
				{Key: "l", Read: 11, Other: 7, At: 1, Element: 3, OtherElement: 2},
			}, d.Diverged)
		}},
		{"an unfinished append's element may appear", func(b *wlHistory) *wlHistory {
			return b.inv(0, "append", "l", 1).inv(1, "list", "l", nil).ok(1, []int{1})
		}, checker.Valid, nil, nil},
		{"a lost append is reported once, with how many reads missed it", func(b *wlHistory) *wlHistory {
			return b.inv(0, "append", "l", 1).ok(0, nil).inv(1, "append", "l", 2).info(1).
				inv(2, "list", "l", nil).ok(2, []int{}).inv(3, "list", "l", nil).ok(3, []int{}).inv(4, "list", "l", nil).ok(4, []int{})
		}, checker.Invalid, map[string]int{"lost": 1}, func(t *testing.T, d checker.ListAppendDetails) {
			assert.Equal(t, checker.ListLost{Key: "l", Element: 1, Append: 1, Read: 5, Reads: 3}, d.Lost[0])
		}},
		{"keys are independent", func(b *wlHistory) *wlHistory {
			return b.inv(0, "append", "a", 1).ok(0, nil).inv(1, "list", "b", nil).ok(1, []int{}).
				inv(2, "list", "a", nil).ok(2, []int{1}).inv(3, "append", "b", 1).info(3)
		}, checker.Valid, nil, nil},
		{"invalid beats unknown", func(b *wlHistory) *wlHistory {
			return b.inv(0, "append", "a", 1).info(0).inv(1, "list", "b", nil).ok(1, []int{7})
		}, checker.Invalid, map[string]int{"unexpected": 1}, func(t *testing.T, d checker.ListAppendDetails) {
			assert.Equal(t, []string{"a"}, d.Unread)
		}},
		{"a read of null is the empty list", func(b *wlHistory) *wlHistory {
			return b.inv(0, "append", "l", 1).info(0).inv(1, "list", "l", nil).ok(1, nil)
		}, checker.Valid, nil, nil},
		{"a malformed read", func(b *wlHistory) *wlHistory {
			return b.inv(0, "append", "l", 1).info(0).inv(1, "list", "l", nil).ok(1, "1 2")
		}, checker.Invalid, map[string]int{"malformed": 1}, func(t *testing.T, d checker.ListAppendDetails) {
			assert.Equal(t, 3, d.Malformed[0].Index)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := checker.CheckListAppend(tc.h(newWL(t)).build())
			assert.Equal(t, tc.valid, r.Valid, r.Summary)
			d := listDetails(t, r)
			want := tc.want
			if want == nil {
				want = map[string]int{}
			}
			assert.Equal(t, want, anomalies(d))
			if tc.check != nil {
				tc.check(t, d)
			}
		})
	}
}

func TestCheckListAppendWithoutListOpsIsUnknown(t *testing.T) {
	r := checker.CheckListAppend(newWL(t).inv(0, "add", "s", 1).ok(0, nil).build())
	assert.Equal(t, checker.Unknown, r.Valid)
	assert.Contains(t, r.Summary, "no list-append operations")
}

func TestCheckListAppendBoundsItsWitnesses(t *testing.T) {
	b := newWL(t).inv(0, "append", "l", 1).info(0)
	for i := 1; i <= 150; i++ {
		b.inv(i, "list", "l", nil).ok(i, []int{int(1000 + i)})
	}
	d := listDetails(t, checker.CheckListAppend(b.build()))
	assert.Equal(t, 150, d.UnexpectedCount)
	assert.Len(t, d.Unexpected, 100)
	assert.Equal(t, 149, d.DivergedCount)
	assert.Len(t, d.Diverged, 100)
}

// BenchmarkCheckListAppend checks 10,000 appends and 1,000 reads of up to
// 10,000 elements each (5 million observations).
func BenchmarkCheckListAppend(b *testing.B) {
	h := bigReads(b, 10_000, "append", "list")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := checker.CheckListAppend(h); r.Valid != checker.Valid {
			b.Fatal(r.Summary)
		}
	}
}
