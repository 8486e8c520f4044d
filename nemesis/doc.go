// Package nemesis holds raftcheck's fault kinds and fault schedules: what to
// break (partitions, crashes, pauses, clocks, packets, disks), when, and when
// to heal, drawn from the target's own random stream.
//
// A fault breaks a Target (target.go): a system of named nodes with links,
// a lifecycle, clocks, packet and disk faults. The nemesis knows nothing
// else of it; the simulated cluster is one Target, through the adapter in
// harness/simtarget, and other systems can be others. A kind the target
// cannot perform is skipped and recorded, never a panic.
//
// nemesis imports no package of ours: no harness package (what it breaks
// is an interface of its own), and not checker, results or cmd (faults do
// not depend on how a run is judged). The packages that compose a run
// (harness/run, harness/sweep) import it.
package nemesis
