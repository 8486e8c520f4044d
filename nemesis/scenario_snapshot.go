package nemesis

import (
	"fmt"
	"time"
)

// startSnapshotCatchUp makes a follower catch up by InstallSnapshot (thesis
// §5, Figure 13): it cuts one follower off, both ways, until the leader
// has compacted its log past the follower's last entry, so that the
// entries the follower needs next exist only in the leader's snapshot;
// then it reconnects it. Half the time it then crashes the follower as
// soon as its status shows the snapshot (polled every millisecond: while
// the install is being written, or just after its fsync, as the fsync's
// latency falls), and restarts it a moment later: the install must be all
// or nothing. A cluster that never compacts gives it nothing: after
// 100 election timeouts of waiting it reconnects the follower and waits as
// long again.
func startSnapshotCatchUp(env *Env) (Action, func(), error) {
	const kind = "scenario-snapshot-catch-up"
	phase := 0
	var behind node
	var last, own uint64
	var et, deadline time.Duration
	crashOnInstall := false
	reconnect := func(sc *scenario) {
		healLinks(env)()
		sc.cut = false
	}
	return startScenario(env, kind, "cutting a follower off until the leader's snapshot passes it, then letting it catch up by InstallSnapshot", func(sc *scenario) {
		t := env.Target
		switch phase {
		case 0:
			_, st, f, ok := sc.leaderAndFollower()
			if !ok {
				return
			}
			behind = f
			fs, _ := sc.status(behind)
			all := allNodes(env)
			if _, err := setLinks(env, all, func(i, j int) bool { return (all[i] == behind) == (all[j] == behind) }); err != nil {
				reconnect(sc)
				sc.coolDown(st.ElectionTimeout, 10, 30)
				return
			}
			sc.cut = true
			last, own, et = fs.LastIndex, fs.Snapshot, st.ElectionTimeout
			phase, deadline = 1, t.Now()+100*et
			env.step(kind, fmt.Sprintf("cut off a follower whose log ends at %d", last), nodeNames(env, []node{behind}))
		case 1:
			passed := false
			for _, n := range without(allNodes(env), []node{behind}) {
				if st, ok := sc.status(n); ok && st.Role == Leader && st.Snapshot > last {
					passed = true
				}
			}
			switch {
			case passed:
				reconnect(sc)
				crashOnInstall = env.Rand.Below(2) == 0
				phase, deadline = 2, t.Now()+20*et
				env.step(kind, fmt.Sprintf("the leader compacted past %d: reconnect the follower", last), nodeNames(env, []node{behind}))
			case t.Now() >= deadline:
				reconnect(sc)
				phase = 0
				env.step(kind, "no leader compacted past the follower: reconnect it", nodeNames(env, []node{behind}))
				sc.coolDown(et, 1000, 1000)
			}
		case 2:
			fs, ok := sc.status(behind)
			switch {
			case ok && fs.Snapshot > max(own, last):
				phase = 0
				if crashOnInstall {
					sc.crash(behind, "the follower as it installs the snapshot")
					t.After(et/2, func() {
						if !sc.stopped {
							sc.restartOldest("the follower")
						}
					})
				} else {
					env.step(kind, fmt.Sprintf("the follower installed a snapshot of %d", fs.Snapshot), nodeNames(env, []node{behind}))
				}
				sc.coolDown(et, 20, 50)
			case t.Now() >= deadline:
				phase = 0
				sc.coolDown(et, 10, 30)
			}
		}
	})
}

// startCrashInSnapshot crashes a node at the moment it takes a snapshot of
// its own state machine, or a few milliseconds after, while the snapshot,
// the rename over the old one, the new WAL after it and its rename are on
// their way to the disk, and restarts it half an election timeout later.
// Whatever prefix of those writes survives, the node must recover every
// entry it had made durable (thesis §5.1: the snapshot must be durable
// before the log it replaces is dropped). It never holds down more than a
// minority, counting nodes already down.
func startCrashInSnapshot(env *Env) (Action, func(), error) {
	const kind = "scenario-crash-in-snapshot"
	seen := map[node]uint64{}
	return startScenario(env, kind, "crashing a node as it takes a snapshot, then restarting it", func(sc *scenario) {
		t := env.Target
		for _, n := range allNodes(env) {
			st, ok := sc.status(n)
			if !ok {
				continue
			}
			prev, known := seen[n]
			seen[n] = st.Snapshot
			if !known || st.Snapshot <= prev {
				continue // no new snapshot since the last look
			}
			if downCount(env)+1 > minority(len(allNodes(env))) {
				return
			}
			victim, et := n, st.ElectionTimeout
			strike := func() {
				if sc.stopped {
					return
				}
				sc.crash(victim, fmt.Sprintf("a node that just took a snapshot of %d", st.Snapshot))
				t.After(et/2, func() {
					if !sc.stopped {
						sc.restartOldest("the node")
					}
				})
			}
			if delay := time.Duration(env.Rand.Below(4)) * time.Millisecond; delay == 0 {
				strike()
			} else {
				t.After(delay, strike)
			}
			sc.coolDown(et, 10, 40)
			return
		}
	})
}

// downCount is how many of the target's nodes are down.
func downCount(env *Env) int {
	down := 0
	for _, n := range allNodes(env) {
		if env.Target.State(env.name(n)) == NodeDown {
			down++
		}
	}
	return down
}
