package main

import (
	"crypto/rand"
	"encoding/binary"
)

// drawSeed picks a seed for a run that was given none. It is the one place
// where raftcheck is meant to be unpredictable; the seed is printed, so the
// run can still be reproduced.
func drawSeed() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on Linux
	s := binary.LittleEndian.Uint64(b[:]) >> 1
	if s == 0 {
		s = 1
	}
	return s
}
