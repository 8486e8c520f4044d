package etcdnode

import "raftcheck/harness"

// electionTimer is the adapter's election timer, which stands in for
// etcd's (doc.go): elapsed ticks since the last reset, and the timeout,
// drawn from the node's seeded stream in [electionTick, 2·electionTick)
// ticks, the range etcd draws its own from.
type electionTimer struct {
	elapsed, timeout int
}

// reset starts a new timeout, as etcd does on a new term or role.
func (t *electionTimer) reset(r *harness.Stream, electionTick int) {
	t.elapsed = 0
	t.timeout = electionTick + int(r.Below(uint64(electionTick)))
}

// tick counts a tick; true once the timeout has passed.
func (t *electionTimer) tick() bool {
	t.elapsed++
	return t.elapsed >= t.timeout
}
