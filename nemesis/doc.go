// Package nemesis holds raftcheck's fault kinds and fault schedules: what to
// break (partitions, crashes, pauses, clocks, packets, disks), when, and when
// to heal, drawn from the run's "nemesis" random stream. It acts on the
// simulated world through harness's exported methods.
//
// nemesis must never import checker, results or cmd: faults do not depend on
// how a run is judged.
package nemesis
