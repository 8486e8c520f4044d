package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// byteSize is a flag's amount of memory: a number and a unit, "4GiB",
// "512MiB", "1GB" (B, KiB, MiB, GiB, TiB, or KB, MB, GB, TB in powers of
// 1000); "0" is none.
type byteSize uint64

var byteUnits = []struct {
	suffix string
	size   float64
}{
	// Longest first, so that "MiB" is not read as "B".
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
	{"B", 1},
}

func (b byteSize) String() string {
	switch {
	case b == 0:
		return "0"
	case b%(1<<30) == 0:
		return strconv.FormatUint(uint64(b)>>30, 10) + "GiB"
	case b%(1<<20) == 0:
		return strconv.FormatUint(uint64(b)>>20, 10) + "MiB"
	}
	return strconv.FormatUint(uint64(b), 10) + "B"
}

func (b *byteSize) Set(s string) error {
	s = strings.TrimSpace(s)
	if s == "0" {
		*b = 0
		return nil
	}
	for _, u := range byteUnits {
		num, ok := strings.CutSuffix(s, u.suffix)
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if err != nil || v <= 0 || math.IsInf(v, 0) || v*u.size >= math.MaxInt64 {
			return fmt.Errorf("want a positive amount of memory such as 4GiB or 512MiB, got %q", s)
		}
		*b = byteSize(v * u.size)
		return nil
	}
	return fmt.Errorf("want an amount of memory with its unit, such as 4GiB or 512MiB (or 0 for none), got %q", s)
}
