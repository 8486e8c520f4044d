package main

import (
	"io"
	"testing"
)

// BenchmarkRunEndToEnd is `raftcheck run --seed 1` with its defaults: the
// simulation, every checker and the store written. It is the figure issue
// 16's first target is stated in (BENCHMARKS.md).
func BenchmarkRunEndToEnd(b *testing.B) {
	store := b.TempDir()
	for b.Loop() {
		if _, err := runRun([]string{"--seed", "1", "--store", store}, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSoak is the default soak on one worker, 100 seeds a loop: the
// figure issue 16's soak target (runs per minute per core) is stated in.
func BenchmarkSoak(b *testing.B) {
	for b.Loop() {
		out := b.TempDir()
		code, err := runSoak([]string{"--seeds", "100", "--first", "5000000", "--workers", "1", "--shrink", "0", "--out", out}, io.Discard)
		if err != nil || code != exitValid {
			b.Fatal(code, err)
		}
	}
}
