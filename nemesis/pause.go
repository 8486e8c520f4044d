package nemesis

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
func startPause(count func(n int) int) func(env *Env) (Action, func(), error) {
	return func(env *Env) (Action, func(), error) {
		return pause(env, pickNodes(env, nodesIn(env, NodeUp), count(len(allNodes(env)))), "")
	}
}

// startPauseLeader pauses the current leader; with no leader there is
// nobody to pause.
func startPauseLeader(env *Env) (Action, func(), error) {
	leader, ok := leaderNode(env)
	if !ok {
		return Action{}, nil, ErrNothingToBreak
	}
	return pause(env, []node{leader}, " (the leader)")
}

// pause pauses the nodes; its heal resumes them. A node crashed and
// restarted meanwhile is running already, and Resume leaves it alone.
func pause(env *Env, nodes []node, why string) (Action, func(), error) {
	t := env.Target
	return onEach(env, nodes, t.Pause, t.Resume, "paused", why)
}
