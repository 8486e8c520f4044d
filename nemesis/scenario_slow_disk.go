package nemesis

import "time"

// startSlowFollowerFailover gives a follower a disk slower than an
// election, waits until it has entries of the leader's in flight to that
// disk, and isolates the leader, so that the others elect a new one whose
// appends reach the follower while its write of the old leader's entries
// is still in progress: the new leader's entries may overwrite the very
// ones being written. A Raft that loses track of which entries are in
// flight (etcd/raft's unstable log keeps an offset of them) writes the
// wrong ones, acknowledges what its disk does not hold, or never writes
// the new ones at all. The follower's disk and the leader's links are put
// back once the new leader has appended, or after 30 election timeouts.
func startSlowFollowerFailover(env *Env) (Action, func(), error) {
	const kind = "scenario-slow-follower-failover"
	var old, slow node
	var et, deadline time.Duration
	phase := 0
	var restore func()
	action, heal, err := startScenario(env, kind, "slowing a follower's disk past an election, then isolating the leader while the follower writes its entries", func(sc *scenario) {
		t := env.Target
		switch phase {
		case 0:
			l, st, f, ok := sc.leaderAndFollower()
			if !ok || st.ElectionTimeout == 0 {
				return
			}
			et = st.ElectionTimeout
			// Longer than an election, so that a new leader's appends
			// arrive while it writes; short enough to end in the fault.
			lat := Uniform(2*et, 6*et)
			if err := t.SlowDisk(env.name(f), lat); err != nil {
				return
			}
			name := env.name(f)
			restore = func() { _ = t.SlowDisk(name, Latency{}) }
			old, slow, phase = l, f, 1
			deadline = t.Now() + 30*et
			env.step(kind, "slow a follower's disk to "+lat.String(), nodeNames(env, []node{f}))
		case 1:
			// The follower holds entries past its commit: some are in
			// flight to its disk.
			fs, up := sc.status(slow)
			st, lup := sc.status(old)
			if t.Now() >= deadline || !up || !lup {
				sc.finishSlow(kind, &phase, restore, et)
				return
			}
			if st.Role != Leader || fs.LastIndex <= fs.Commit || fs.LastIndex <= st.Commit {
				return
			}
			all := allNodes(env)
			if _, err := setLinks(env, all, func(i, j int) bool { return (all[i] == old) == (all[j] == old) }); err != nil {
				return
			}
			sc.cut, phase = true, 2
			deadline = t.Now() + 30*et
			env.step(kind, "isolate the leader while the slow follower writes", nodeNames(env, []node{old}))
		case 2:
			l, st, ok := sc.leader()
			if ok && l != old && st.LastIndex > st.Commit || t.Now() >= deadline {
				healLinks(env)()
				sc.cut = false
				sc.finishSlow(kind, &phase, restore, et)
			}
		}
	})
	if err != nil {
		return action, heal, err
	}
	return action, func() {
		heal()
		if restore != nil {
			restore()
		}
	}, nil
}

// finishSlow puts the slowed disk back and starts the scenario over after
// a cool-down.
func (sc *scenario) finishSlow(kind string, phase *int, restore func(), et time.Duration) {
	if restore != nil {
		restore()
	}
	*phase = 0
	sc.env.step(kind, "restore the follower's disk and the links", nil)
	sc.coolDown(et, 5, 30)
}
