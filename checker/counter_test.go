package checker_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
)

func counterDetails(t *testing.T, r checker.Result) checker.CounterDetails {
	t.Helper()
	d, ok := r.Details.(checker.CounterDetails)
	require.True(t, ok, "details are %T", r.Details)
	return d
}

func TestCheckCounterFixtures(t *testing.T) {
	tests := []struct {
		file  string
		valid checker.Validity
		check func(t *testing.T, d checker.CounterDetails)
	}{
		{"counter-ok.jsonl", checker.Valid, func(t *testing.T, d checker.CounterDetails) {
			assert.Equal(t, 2, d.Keys)
			assert.Equal(t, 6, d.Reads)
			assert.Equal(t, 3, d.OKIncrs)
			assert.Equal(t, 3, d.InfoIncrs, "two info and one never completed")
			assert.Equal(t, 1, d.FailIncrs)
			assert.Empty(t, d.OutOfBounds)
		}},
		{"counter-read-high-bad.jsonl", checker.Invalid, func(t *testing.T, d checker.CounterDetails) {
			assert.Equal(t, []checker.CounterBound{{Key: "c1", F: "count", Index: 3, InvokeIndex: 2, Process: 1, Value: 2, Lower: 1, Upper: 1}}, d.OutOfBounds)
		}},
		{"counter-read-low-bad.jsonl", checker.Invalid, func(t *testing.T, d checker.CounterDetails) {
			assert.Equal(t, []checker.CounterBound{{Key: "c1", F: "count", Index: 6, InvokeIndex: 5, Process: 3, Value: 1, Lower: 2, Upper: 3}}, d.OutOfBounds)
		}},
		{"counter-incr-bounds-bad.jsonl", checker.Invalid, func(t *testing.T, d checker.CounterDetails) {
			assert.Equal(t, []checker.CounterBound{{Key: "c1", F: "incr", Index: 5, InvokeIndex: 4, Process: 2, Value: 5, Lower: 2, Upper: 3}}, d.OutOfBounds)
		}},
		{"counter-backwards-bad.jsonl", checker.Invalid, func(t *testing.T, d checker.CounterDetails) {
			assert.Empty(t, d.OutOfBounds, "each read is within its bounds")
			assert.Equal(t, []checker.CounterBackwards{{Key: "c1", F: "count", Index: 7, InvokeIndex: 6, Process: 3, Value: 1, Prior: 4, PriorValue: 2}}, d.Backwards)
			assert.Equal(t, 1, d.BackwardsCount)
		}},
		{"counter-duplicate-bad.jsonl", checker.Invalid, func(t *testing.T, d checker.CounterDetails) {
			assert.Empty(t, d.OutOfBounds, "each value is within its own bounds")
			assert.Equal(t, []checker.CounterDuplicate{{Key: "c1", Value: 1, Indexes: []int{3, 4}}}, d.Duplicates)
			assert.Equal(t, 1, d.DuplicateCount)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			h := loadJSONL(t, tc.file)
			require.True(t, hasInfo(h), "every fixture has an indeterminate operation")
			r := checker.CheckCounter(h)
			assert.Equal(t, tc.valid, r.Valid, r.Summary)
			assert.NotEmpty(t, r.Summary)
			assert.NotContains(t, r.Summary, "\n")
			tc.check(t, counterDetails(t, r))
		})
	}
}

func TestCheckCounter(t *testing.T) {
	tests := []struct {
		name  string
		h     func(b *wlHistory) *wlHistory
		valid checker.Validity
		check func(t *testing.T, d checker.CounterDetails)
	}{
		{"read of nothing is zero", func(b *wlHistory) *wlHistory {
			return b.inv(0, "count", "c", nil).ok(0, 0).inv(1, "incr", "c", nil).info(1)
		}, checker.Valid, nil},
		{"an indeterminate incr may count", func(b *wlHistory) *wlHistory {
			return b.inv(0, "incr", "c", nil).info(0).inv(1, "count", "c", nil).ok(1, 1).inv(2, "count", "c", nil).ok(2, 1)
		}, checker.Valid, nil},
		{"an unfinished incr may count, while the read runs", func(b *wlHistory) *wlHistory {
			return b.inv(1, "count", "c", nil).inv(0, "incr", "c", nil).ok(1, 1)
		}, checker.Valid, nil},
		{"a failed incr never counts", func(b *wlHistory) *wlHistory {
			return b.inv(0, "incr", "c", nil).fail(0).inv(1, "incr", "c", nil).info(1).inv(2, "count", "c", nil).ok(2, 2)
		}, checker.Invalid, func(t *testing.T, d checker.CounterDetails) {
			require.Len(t, d.OutOfBounds, 1)
			assert.Equal(t, int64(1), d.OutOfBounds[0].Upper)
		}},
		{"an incr invoked after the read completed does not count", func(b *wlHistory) *wlHistory {
			return b.inv(0, "count", "c", nil).ok(0, 1).inv(1, "incr", "c", nil).info(1)
		}, checker.Invalid, func(t *testing.T, d checker.CounterDetails) {
			assert.Equal(t, 1, d.OutOfBoundsCount)
			assert.Equal(t, 1, d.OutOfBounds[0].Index)
		}},
		{"concurrent incrs may return in either order", func(b *wlHistory) *wlHistory {
			return b.inv(0, "incr", "c", nil).inv(1, "incr", "c", nil).ok(0, 2).ok(1, 1).inv(2, "count", "c", nil).ok(2, 2)
		}, checker.Valid, nil},
		{"an incr below its lower bound", func(b *wlHistory) *wlHistory {
			return b.inv(0, "incr", "c", nil).ok(0, 1).inv(1, "incr", "c", nil).ok(1, 2).inv(2, "incr", "c", nil).ok(2, 2).inv(3, "incr", "c", nil).info(3)
		}, checker.Invalid, func(t *testing.T, d checker.CounterDetails) {
			assert.Equal(t, []checker.CounterBound{{Key: "c", F: "incr", Index: 5, InvokeIndex: 4, Process: 2, Value: 2, Lower: 3, Upper: 3}}, d.OutOfBounds)
			assert.Equal(t, []checker.CounterDuplicate{{Key: "c", Value: 2, Indexes: []int{3, 5}}}, d.Duplicates)
		}},
		{"an incr returns more than a value read before it", func(b *wlHistory) *wlHistory {
			return b.inv(0, "incr", "c", nil).inv(1, "incr", "c", nil).inv(2, "count", "c", nil).ok(2, 2).
				inv(3, "incr", "c", nil).ok(3, 2).info(0).info(1)
		}, checker.Invalid, func(t *testing.T, d checker.CounterDetails) {
			assert.Empty(t, d.OutOfBounds, "2 is within [1, 3]")
			assert.Equal(t, []checker.CounterBackwards{{Key: "c", F: "incr", Index: 5, InvokeIndex: 4, Process: 3, Value: 2, Prior: 3, PriorValue: 2}}, d.Backwards)
		}},
		{"reads concurrent with each other may disagree", func(b *wlHistory) *wlHistory {
			return b.inv(0, "incr", "c", nil).inv(1, "count", "c", nil).inv(2, "count", "c", nil).ok(2, 1).ok(1, 0).ok(0, 1).
				inv(3, "count", "c", nil).ok(3, 1)
		}, checker.Valid, nil},
		{"keys are independent", func(b *wlHistory) *wlHistory {
			return b.inv(0, "incr", "a", nil).ok(0, 1).inv(1, "incr", "b", nil).ok(1, 1).inv(2, "count", "a", nil).ok(2, 1).inv(3, "incr", "b", nil).info(3)
		}, checker.Valid, func(t *testing.T, d checker.CounterDetails) {
			assert.Equal(t, 2, d.Keys)
		}},
		{"a read of another key's count is out of bounds", func(b *wlHistory) *wlHistory {
			return b.inv(0, "incr", "a", nil).ok(0, 1).inv(1, "incr", "a", nil).info(1).inv(2, "count", "b", nil).ok(2, 1)
		}, checker.Invalid, func(t *testing.T, d checker.CounterDetails) {
			require.Len(t, d.OutOfBounds, 1)
			assert.Equal(t, "b", d.OutOfBounds[0].Key)
		}},
		{"nemesis events are skipped", func(b *wlHistory) *wlHistory {
			return b.nemesis("start").inv(0, "incr", "c", nil).nemesis("stop").ok(0, 1).inv(1, "incr", "c", nil).info(1)
		}, checker.Valid, nil},
		// Amounts other than 1 (issue 13: every incr was counted as 1).
		{"an incr of 5 returns 5 and a read sees it", func(b *wlHistory) *wlHistory {
			return b.inv(0, "incr", "c", 5).ok(0, 5).inv(1, "count", "c", nil).ok(1, 5)
		}, checker.Valid, nil},
		{"a read above the summed amounts", func(b *wlHistory) *wlHistory {
			return b.inv(0, "incr", "c", 5).ok(0, 5).inv(1, "incr", "c", 2).info(1).inv(2, "count", "c", nil).ok(2, 8)
		}, checker.Invalid, func(t *testing.T, d checker.CounterDetails) {
			assert.Equal(t, []checker.CounterBound{{Key: "c", F: "count", Index: 5, InvokeIndex: 4, Process: 2, Value: 8, Lower: 5, Upper: 7}}, d.OutOfBounds)
		}},
		{"Jepsen's add and read: the add's ok value echoes its amount", func(b *wlHistory) *wlHistory {
			return b.inv(0, "add", "c", 3).ok(0, 3).inv(1, "add", "c", 4).inv(2, "read", "c", nil).ok(2, 7).info(1).inv(3, "read", "c", nil).ok(3, 7)
		}, checker.Valid, func(t *testing.T, d checker.CounterDetails) {
			assert.Equal(t, 2, d.Reads)
			assert.Equal(t, 1, d.OKIncrs)
			assert.Equal(t, 1, d.InfoIncrs)
		}},
		{"Jepsen's read below the certain adds", func(b *wlHistory) *wlHistory {
			return b.inv(0, "add", "c", 3).ok(0, 3).inv(1, "read", "c", nil).ok(1, 2)
		}, checker.Invalid, func(t *testing.T, d checker.CounterDetails) {
			assert.Equal(t, []checker.CounterBound{{Key: "c", F: "read", Index: 3, InvokeIndex: 2, Process: 1, Value: 2, Lower: 3, Upper: 3}}, d.OutOfBounds)
		}},
		{"a negative amount that may have happened lowers the lower bound", func(b *wlHistory) *wlHistory {
			return b.inv(0, "add", "c", 5).ok(0, 5).inv(1, "add", "c", -2).inv(2, "read", "c", nil).ok(2, 3).info(1).
				inv(3, "read", "c", nil).ok(3, 5)
		}, checker.Valid, nil},
		{"a read below a negative amount's reach", func(b *wlHistory) *wlHistory {
			return b.inv(0, "add", "c", 5).ok(0, 5).inv(1, "add", "c", -2).inv(2, "read", "c", nil).ok(2, 2).info(1)
		}, checker.Invalid, func(t *testing.T, d checker.CounterDetails) {
			assert.Equal(t, []checker.CounterBound{{Key: "c", F: "read", Index: 4, InvokeIndex: 3, Process: 2, Value: 2, Lower: 3, Upper: 5}}, d.OutOfBounds)
		}},
		{"a counter with a negative amount may go back, and is not called backwards", func(b *wlHistory) *wlHistory {
			return b.inv(0, "add", "c", 5).ok(0, 5).inv(1, "read", "c", nil).ok(1, 5).inv(2, "add", "c", -1).ok(2, -1).
				inv(3, "read", "c", nil).ok(3, 4)
		}, checker.Valid, nil},
		{"two incrs of 0 may return the same value, and are not duplicates", func(b *wlHistory) *wlHistory {
			return b.inv(0, "incr", "c", 1).ok(0, 1).inv(1, "incr", "c", 0).ok(1, 1).inv(2, "incr", "c", 0).ok(2, 1)
		}, checker.Valid, func(t *testing.T, d checker.CounterDetails) {
			assert.Empty(t, d.Duplicates)
		}},
		{"two positive incrs that return the same value are duplicates", func(b *wlHistory) *wlHistory {
			return b.inv(0, "incr", "c", 2).inv(1, "incr", "c", 2).ok(0, 2).ok(1, 2)
		}, checker.Invalid, func(t *testing.T, d checker.CounterDetails) {
			assert.Equal(t, []checker.CounterDuplicate{{Key: "c", Value: 2, Indexes: []int{2, 3}}}, d.Duplicates)
		}},
		{"bounds beyond int64 saturate rather than wrap", func(b *wlHistory) *wlHistory {
			return b.inv(0, "add", "c", int64(1)<<62).inv(1, "add", "c", int64(1)<<62).inv(2, "read", "c", nil).ok(2, 0).info(0).info(1)
		}, checker.Valid, nil},
		{"a failed read is no failed increment", func(b *wlHistory) *wlHistory {
			return b.inv(0, "add", "c", 1).ok(0, 1).inv(1, "read", "c", nil).fail(1).inv(2, "read", "c", nil).ok(2, 1)
		}, checker.Valid, func(t *testing.T, d checker.CounterDetails) {
			assert.Zero(t, d.FailIncrs)
		}},
		{"an amount that is not an integer", func(b *wlHistory) *wlHistory {
			return b.inv(0, "add", "c", "x").ok(0, "x").inv(1, "read", "c", nil).ok(1, 0)
		}, checker.Invalid, func(t *testing.T, d checker.CounterDetails) {
			require.Len(t, d.Malformed, 1)
			assert.Contains(t, d.Malformed[0].Reason, "amount")
		}},
		{"a malformed count", func(b *wlHistory) *wlHistory {
			return b.inv(0, "incr", "c", nil).info(0).inv(1, "count", "c", nil).ok(1, "three")
		}, checker.Invalid, func(t *testing.T, d checker.CounterDetails) {
			require.Len(t, d.Malformed, 1)
			assert.Equal(t, 3, d.Malformed[0].Index)
			assert.Contains(t, d.Malformed[0].Reason, `want an integer, got "three"`)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := checker.CheckCounter(tc.h(newWL(t)).build())
			assert.Equal(t, tc.valid, r.Valid, r.Summary)
			if tc.check != nil {
				tc.check(t, counterDetails(t, r))
			}
		})
	}
}

func TestCheckCounterWithoutCounterOpsIsUnknown(t *testing.T) {
	r := checker.CheckCounter(newWL(t).inv(0, "write", "r", 3).ok(0, 3).nemesis("start").build())
	assert.Equal(t, checker.Unknown, r.Valid)
	assert.Contains(t, r.Summary, "no counter operations")
}

func TestCheckCounterBoundsItsWitnesses(t *testing.T) {
	b := newWL(t)
	for i := 0; i < 150; i++ {
		b.inv(i, "count", "c", nil).ok(i, 1)
	}
	r := checker.CheckCounter(b.inv(999, "incr", "c", nil).info(999).build())
	d := counterDetails(t, r)
	assert.Equal(t, checker.Invalid, r.Valid)
	assert.Equal(t, 150, d.OutOfBoundsCount)
	assert.Len(t, d.OutOfBounds, 100)
	assert.Equal(t, 1, d.OutOfBounds[0].Index, "the first ones, in history order")
	assert.Contains(t, r.Summary, "150 values out of bounds")
}
