package main

import (
	"bytes"
	"fmt"

	"raftcheck/checker"
	"raftcheck/harness/run"
)

// recheck runs a seed's configuration again and compares the history with
// the first run's: the simulation promises that a seed reproduces a run
// byte for byte, and a system under test that depends on anything the seed
// does not control (Go's map order, wall time, a goroutine) breaks that
// promise, and with it replay and shrinking; its replicas may well diverge
// in production. The soak rechecks its first recheckFirst seeds, which
// between them draw every workload in all but one soak in about 300 (a
// bug of one workload's state machine shows only there), and every
// --recheck-th seed after them: a fixed cost that a long soak amortizes.
func recheck(cfg run.Config, first *run.Outcome) (checker.Result, error) {
	again, err := run.Execute(cfg)
	if err != nil {
		return checker.Result{}, err
	}
	return sameHistory(first, again)
}

// sameHistory compares two runs of one seed, byte for byte: their whole
// histories' hashes when both have one (a run that streamed its history,
// or evicted part of it, hashed all of it), else the histories in memory.
func sameHistory(first, again *run.Outcome) (checker.Result, error) {
	a, b := first.HistorySHA256, again.HistorySHA256
	if a == "" || b == "" {
		var err error
		if a, err = historyDigest(first.History); err != nil {
			return checker.Result{}, err
		}
		if b, err = historyDigest(again.History); err != nil {
			return checker.Result{}, err
		}
	}
	if a != b {
		return checker.Result{Valid: checker.Invalid, Summary: fmt.Sprintf(
			"the same seed ran twice gave two histories (sha256 %.12s and %.12s, %d and %d events): the system or the harness depends on something the seed does not control, such as map iteration order",
			a, b, len(first.History), len(again.History))}, nil
	}
	return checker.Result{Valid: checker.Valid, Summary: "the seed ran again gave the same history, byte for byte"}, nil
}

// recheckFirst is how many seeds from the first a soak runs twice.
const recheckFirst = 20

func historyDigest(h checker.History) (string, error) {
	var buf bytes.Buffer
	if err := checker.WriteJSONL(&buf, h); err != nil {
		return "", err
	}
	return sha256Hex(buf.Bytes()), nil
}
