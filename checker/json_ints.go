package checker

import (
	"bytes"
	"math"
)

// ScanInt is the fast path of decoding a value that is one integer: a
// decimal integer, as our histories write them. It reports false on
// anything else (null, a fraction, an exponent, spaces, a leading zero,
// overflow), which the caller's slow path, encoding/json, then decides:
// where it reports true, encoding/json would give the same.
func ScanInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	digits := b
	if neg {
		digits = b[1:]
	}
	if len(digits) == 0 || len(digits) > 18 || (digits[0] == '0' && len(digits) > 1) {
		return 0, false
	}
	var n int64
	for _, c := range digits {
		if !asciiDigit(c) {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// ScanInts is the fast path of decoding a value that is a list of
// integers, for the common shape: a flat JSON array of decimal integers
// (reads of large sets and lists are most of a workload checker's time).
// It reports false on anything else (null, spaces in odd places,
// overflow, malformed input), which the caller's slow path, encoding/json,
// then decides: where it reports true, encoding/json would give the same.
func ScanInts(b []byte) ([]int64, bool) {
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return nil, false
	}
	body := b[1 : len(b)-1]
	if len(body) == 0 {
		return []int64{}, true
	}
	out := make([]int64, 0, bytes.Count(body, []byte{','})+1)
	for i := 0; ; {
		neg := i < len(body) && body[i] == '-'
		if neg {
			i++
		}
		start := i
		var n uint64
		for ; i < len(body) && asciiDigit(body[i]); i++ {
			if n > (math.MaxInt64-9)/10 {
				return nil, false // near overflow: let the slow path judge
			}
			n = n*10 + uint64(body[i]-'0')
		}
		if i == start || (body[start] == '0' && i-start > 1) {
			return nil, false
		}
		if neg {
			out = append(out, -int64(n))
		} else {
			out = append(out, int64(n))
		}
		if i == len(body) {
			return out, true
		}
		if body[i] != ',' {
			return nil, false
		}
		i++
	}
}
