package main

import (
	"fmt"
	"strconv"
	"strings"
)

// shard is one of N disjoint slices of the seed space: shard I of N takes
// the seeds first+I-1, first+I-1+N, first+I-1+2N, ... so that N machines
// never run the same seed and together run every one.
type shard struct {
	index, count uint64 // 1 <= index <= count
}

func parseShard(s string) (shard, error) {
	i, n, ok := strings.Cut(s, "/")
	if !ok {
		return shard{}, usagef("--shard must be I/N (e.g. 2/8), got %q", s)
	}
	index, err1 := strconv.ParseUint(i, 10, 64)
	count, err2 := strconv.ParseUint(n, 10, 64)
	if err1 != nil || err2 != nil || count == 0 || index == 0 || index > count {
		return shard{}, usagef("--shard must be I/N with 1 <= I <= N, got %q", s)
	}
	return shard{index: index, count: count}, nil
}

func (s shard) String() string { return fmt.Sprintf("%d/%d", s.index, s.count) }

// seed is the k-th seed (k from 0) of this shard.
func (s shard) seed(first, k uint64) uint64 { return first + s.index - 1 + k*s.count }

// seedsIn is how many of the seeds [first, first+total) fall in this shard.
func (s shard) seedsIn(total uint64) uint64 {
	if total < s.index {
		return 0
	}
	return (total-s.index)/s.count + 1
}
