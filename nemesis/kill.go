package nemesis

import (
	"fmt"
	"strings"
)

// killKinds crash nodes and restart them on heal. A crash loses the node's
// volatile state and every disk write it had not synced (a torn prefix of
// one may survive, as the target's disks decide); the restart must recover
// from what is durable. This is what exposes a node that acknowledges
// before its write is on the platter.
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
func killable(env *Env) []node {
	return nodesIn(env, NodeUp, NodePaused)
}

// startKill crashes count(n) random killable nodes of a cluster of n, or
// every killable node when there are fewer.
func startKill(count func(n int) int) func(env *Env) (Action, func(), error) {
	return func(env *Env) (Action, func(), error) {
		return kill(env, pickNodes(env, killable(env), count(len(allNodes(env)))), "")
	}
}

// startKillLeader crashes the current leader; with no leader there is
// nobody to kill.
func startKillLeader(env *Env) (Action, func(), error) {
	leader, ok := leaderNode(env)
	if !ok {
		return Action{}, nil, ErrNothingToBreak
	}
	return kill(env, []node{leader}, " (the leader)")
}

func kill(env *Env, victims []node, why string) (Action, func(), error) {
	t := env.Target
	return onEach(env, victims, t.Crash, t.Restart, "killed", why)
}

// onEach does act to every node and returns the action, described as
// "<verb> n1 n2<why>", and the heal that undoes it on every node. If act
// fails on a node, the nodes already acted on are undone and the error
// returned.
func onEach(env *Env, nodes []node, act, undo func(node string) error, verb, why string) (Action, func(), error) {
	if len(nodes) == 0 {
		return Action{}, nil, ErrNothingToBreak
	}
	names := nodeNames(env, nodes)
	heal := func(done []string) func() {
		return func() {
			for _, n := range done {
				// Undoing what the target did cannot be unsupported, and
				// on a node that is already back it is a no-op.
				_ = undo(n)
			}
		}
	}
	for i, n := range names {
		if err := act(n); err != nil {
			heal(names[:i])()
			return Action{}, nil, err
		}
	}
	return Action{Description: fmt.Sprintf("%s %s%s", verb, strings.Join(names, " "), why), Value: names, Nodes: names}, heal(names), nil
}
