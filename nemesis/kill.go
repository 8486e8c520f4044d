package nemesis

import (
	"fmt"
	"strings"

	"raftcheck/harness"
)

// killKinds crash nodes and restart them on heal. A crash loses the node's
// volatile state and every disk write it had not synced (a torn prefix of
// one may survive, as the world's DiskConfig.Torn decides); the restart
// must recover from what is durable. This is what exposes a node that
// acknowledges before its write is on the platter.
var killKinds = []Kind{
	{Name: "kill-one", Group: "kill", Start: startKill(func(int) int { return 1 })},
	{Name: "kill-minority", Group: "kill", Start: startKill(minority)},
	{Name: "kill-majority", Group: "kill", Start: startKill(majority)},
	{Name: "kill-leader", Group: "kill", Start: startKillLeader},
	{Name: "kill-all", Group: "kill", Start: startKill(func(n int) int { return n })},
}

// minority is the largest minority of n nodes, and at least one node, so
// that a cluster of one or two still has something to break.
func minority(n int) int { return max(1, (n-1)/2) }

// majority is the smallest majority of n nodes.
func majority(n int) int { return n/2 + 1 }

// killable are the nodes a kill may pick: those not down. A paused node
// counts, as a SIGSTOPped process can still be SIGKILLed; a node another
// fault crashed is left to that fault to restart.
func killable(env *Env) []harness.Addr {
	return nodesIn(env, harness.NodeUp, harness.NodePaused)
}

// startKill crashes count(n) random killable nodes of a cluster of n, or
// every killable node when there are fewer.
func startKill(count func(n int) int) func(env *Env) (Action, func(), bool) {
	return func(env *Env) (Action, func(), bool) {
		return kill(env, pickNodes(env, killable(env), count(len(nodeAddrs(env)))), "")
	}
}

// startKillLeader crashes the current leader; with no leader there is
// nobody to kill.
func startKillLeader(env *Env) (Action, func(), bool) {
	leader, ok := leaderAddr(env)
	if !ok {
		return Action{}, nil, false
	}
	return kill(env, []harness.Addr{leader}, " (the leader)")
}

func kill(env *Env, victims []harness.Addr, why string) (Action, func(), bool) {
	if len(victims) == 0 {
		return Action{}, nil, false
	}
	w := env.World()
	for _, a := range victims {
		// Nodes are added with AddNode, so a crash cannot fail.
		_ = w.Crash(a)
	}
	names := nodeNames(w, victims)
	return Action{Description: fmt.Sprintf("killed %s%s", strings.Join(names, " "), why), Value: names, Nodes: names},
		func() {
			for _, a := range victims {
				_ = w.Restart(a)
			}
		}, true
}
