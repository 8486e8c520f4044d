package checker_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
)

func TestStats(t *testing.T) {
	tests := []struct {
		name    string
		h       func(b *wlHistory) *wlHistory
		valid   checker.Validity
		total   checker.StatsCounts
		byF     []checker.StatsCounts
		summary string
	}{
		{"every function succeeded", func(b *wlHistory) *wlHistory {
			return b.nemesis("start").inv(0, "read", "k", nil).ok(0, 1).inv(1, "write", "k", 2).info(1).
				inv(2, "write", "k", 3).ok(2, nil).inv(3, "cas", "k", []int{3, 4}).fail(3).inv(4, "cas", "k", []int{3, 5}).ok(4, nil).
				inv(5, "read", "k", nil).nemesis("stop")
		}, checker.Valid,
			checker.StatsCounts{Count: 6, OK: 3, Fail: 1, Info: 1, Unfinished: 1},
			[]checker.StatsCounts{
				{F: "cas", Count: 2, OK: 1, Fail: 1},
				{F: "read", Count: 2, OK: 1, Unfinished: 1},
				{F: "write", Count: 2, OK: 1, Info: 1},
			}, "stats: 6 operations (3 ok, 1 fail, 1 info, 1 unfinished); every function succeeded at least once"},
		{"a function that never succeeded", func(b *wlHistory) *wlHistory {
			return b.inv(0, "read", "k", nil).ok(0, 1).inv(1, "cas", "k", []int{1, 2}).fail(1).inv(2, "cas", "k", []int{1, 2}).info(2)
		}, checker.Invalid,
			checker.StatsCounts{Count: 3, OK: 1, Fail: 1, Info: 1},
			[]checker.StatsCounts{{F: "cas", Count: 2, Fail: 1, Info: 1}, {F: "read", Count: 1, OK: 1}},
			"stats: 3 operations (1 ok, 1 fail, 1 info, 0 unfinished); never succeeded: cas (0 ok of 2: 1 fail, 1 info, 0 unfinished)"},
		{"no client operations", func(b *wlHistory) *wlHistory { return b.nemesis("start") }, checker.Unknown,
			checker.StatsCounts{}, nil, "stats: no client operations in the history"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := checker.Stats(tc.h(newWL(t)).build())
			assert.Equal(t, tc.valid, r.Valid)
			assert.Equal(t, tc.summary, r.Summary)
			d, ok := r.Details.(checker.StatsDetails)
			require.True(t, ok)
			assert.Equal(t, tc.total, d.Total)
			assert.Equal(t, tc.byF, d.ByF)
			if tc.valid == checker.Invalid {
				assert.Equal(t, []string{"cas"}, d.NeverOK)
			} else {
				assert.Empty(t, d.NeverOK)
			}
		})
	}
}

func TestStatsCountsNemesisEvents(t *testing.T) {
	d := checker.Stats(newWL(t).nemesis("start").inv(0, "read", "k", nil).ok(0, nil).nemesis("stop").build()).Details.(checker.StatsDetails)
	assert.Equal(t, 2, d.NemesisEvents)
	assert.Equal(t, 1, d.Total.Count)
}

func TestStatsOfFixtures(t *testing.T) {
	h := loadJSONL(t, "set-ok.jsonl")
	r := checker.Stats(h)
	assert.Equal(t, checker.Valid, r.Valid, r.Summary)
	d := r.Details.(checker.StatsDetails)
	assert.Equal(t, []checker.StatsCounts{{F: "add", Count: 6, OK: 3, Fail: 1, Info: 2}, {F: "members", Count: 4, OK: 4}}, d.ByF)
}
