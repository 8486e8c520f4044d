package nemesis

import (
	"fmt"
	"strings"

	"raftcheck/harness"
)

// pauseKinds freeze nodes, as SIGSTOP does, and resume them on heal. A
// paused node keeps its state and its disk but handles nothing; what comes
// due for it waits. It wakes up believing no time has passed: a leader
// that still thinks it leads, a lease it thinks is still good.
var pauseKinds = []Kind{
	{Name: "pause-one", Group: "pause", Start: startPause(func(int) int { return 1 })},
	{Name: "pause-leader", Group: "pause", Start: startPauseLeader},
	{Name: "pause-minority", Group: "pause", Start: startPause(minority)},
}

// startPause pauses count(n) random running nodes of a cluster of n, or
// every running node when there are fewer. Nodes that are paused or down
// already belong to another fault, whose heal must not be pre-empted.
func startPause(count func(n int) int) func(env *Env) (Action, func(), bool) {
	return func(env *Env) (Action, func(), bool) {
		return pause(env, pickNodes(env, nodesIn(env, harness.NodeUp), count(len(nodeAddrs(env)))), "")
	}
}

// startPauseLeader pauses the current leader; with no leader there is
// nobody to pause.
func startPauseLeader(env *Env) (Action, func(), bool) {
	leader, ok := leaderAddr(env)
	if !ok {
		return Action{}, nil, false
	}
	return pause(env, []harness.Addr{leader}, " (the leader)")
}

func pause(env *Env, nodes []harness.Addr, why string) (Action, func(), bool) {
	if len(nodes) == 0 {
		return Action{}, nil, false
	}
	w := env.World()
	for _, a := range nodes {
		// The addresses are the cluster's own, so pausing cannot fail.
		_ = w.Pause(a)
	}
	names := nodeNames(w, nodes)
	return Action{Description: fmt.Sprintf("paused %s%s", strings.Join(names, " "), why), Value: names, Nodes: names},
		func() {
			// A node crashed and restarted meanwhile is running already;
			// Resume leaves it alone.
			for _, a := range nodes {
				_ = w.Resume(a)
			}
		}, true
}
