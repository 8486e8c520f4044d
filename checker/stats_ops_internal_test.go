package checker

import (
	"encoding/json"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestKeyLessIsNaturalAndTotal(t *testing.T) {
	keys := []string{"k10", "k2", "", "k1", "a", "k01", "k2x", "k", "10", "9", "b1"}
	sort.Slice(keys, func(i, j int) bool { return keyLess(keys[i], keys[j]) })
	assert.Equal(t, []string{"", "9", "10", "a", "b1", "k", "k01", "k1", "k2", "k2x", "k10"}, keys)
	for _, a := range keys {
		assert.False(t, keyLess(a, a), "%q < itself", a)
		for _, b := range keys {
			if a != b {
				assert.NotEqual(t, keyLess(a, b), keyLess(b, a), "%q and %q", a, b)
			}
		}
	}
}

func TestQuantileIsNearestRank(t *testing.T) {
	xs := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	assert.Equal(t, int64(5), nearestRank(xs, 500))
	assert.Equal(t, int64(9), nearestRank(xs, 900))
	assert.Equal(t, int64(10), nearestRank(xs, 950))
	assert.Equal(t, int64(10), nearestRank(xs, 990))
	assert.Equal(t, int64(7), nearestRank([]int64{7}, 500))
	assert.Equal(t, int64(1), nearestRank([]int64{1, 2}, 500))
	assert.Equal(t, int64(2), nearestRank([]int64{1, 2}, 900))
}

func TestScanIntsAgreesWithJSON(t *testing.T) {
	for _, in := range []string{
		`[]`, `[1]`, `[1,2,3]`, `[-5,0,-0,42]`, `[9223372036854775807]`, `[-9223372036854775808]`,
		`null`, `[1, 2]`, `[1,]`, `[,1]`, `[01]`, `[1.5]`, `[1e3]`, `["1"]`, `[-]`, `[99999999999999999999]`, `[`, `{}`, ``,
	} {
		fast, ok := ScanInts([]byte(in))
		var slow []int64
		err := json.Unmarshal([]byte(in), &slow)
		if ok {
			assert.NoError(t, err, "%s", in)
			assert.Equal(t, slow, fast, "%s", in)
		}
		got, gotErr := decodeInts(json.RawMessage(in))
		if err != nil {
			assert.Error(t, gotErr, "%s", in)
		} else {
			assert.NoError(t, gotErr, "%s", in)
			assert.Equal(t, len(slow), len(got), "%s", in)
		}
	}
}

func FuzzScanInts(f *testing.F) {
	f.Add([]byte(`[1,-2,30]`))
	f.Add([]byte(`[9223372036854775807]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		fast, ok := ScanInts(b)
		if !ok {
			return
		}
		var slow []int64
		if err := json.Unmarshal(b, &slow); err != nil {
			t.Fatalf("scanInts accepted %q, which JSON rejects: %v", b, err)
		}
		if len(slow) != len(fast) {
			t.Fatalf("%q: %v vs %v", b, fast, slow)
		}
		for i := range slow {
			if slow[i] != fast[i] {
				t.Fatalf("%q: %v vs %v", b, fast, slow)
			}
		}
	})
}

func FuzzScanInt(f *testing.F) {
	for _, s := range []string{`1`, `-2`, `0`, `-0`, `01`, `1.0`, `1e3`, ` 1`, `null`, `999999999999999999`, `9223372036854775807`, `-`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fast, ok := ScanInt(b)
		if !ok {
			return
		}
		var slow int64
		if err := json.Unmarshal(b, &slow); err != nil {
			t.Fatalf("ScanInt accepted %q, which JSON rejects: %v", b, err)
		}
		if slow != fast {
			t.Fatalf("%q: %d vs %d", b, fast, slow)
		}
	})
}
