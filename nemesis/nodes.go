package nemesis

import "sort"

// node is a node's place in the target's order (Target.Nodes). Faults
// choose among places, never among names, so that a seed picks the same
// nodes however the target names them ("n10" sorts before "n2").
type node int

// The helpers below choose nodes for every group of kinds. Each takes its
// candidates in the target's order and draws from env.Rand alone, so a
// seed picks the same nodes on every machine.

// allNodes are the target's nodes, in its order.
func allNodes(env *Env) []node {
	out := make([]node, len(env.Target.Nodes()))
	for i := range out {
		out[i] = node(i)
	}
	return out
}

// name is the target's name of a node.
func (e *Env) name(n node) string { return e.Target.Nodes()[n] }

// nodeNames are the target's names of the nodes, in the order given.
func nodeNames(env *Env, ns []node) []string {
	names := env.Target.Nodes()
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = names[n]
	}
	return out
}

// nodesIn are the nodes whose lifecycle state is one of states.
func nodesIn(env *Env, states ...NodeState) []node {
	var out []node
	for _, n := range allNodes(env) {
		s := env.Target.State(env.name(n))
		for _, want := range states {
			if s == want {
				out = append(out, n)
				break
			}
		}
	}
	return out
}

// leaderNode is the node the target reports as its leader.
func leaderNode(env *Env) (node, bool) {
	name, ok := env.Target.Leader()
	if !ok {
		return 0, false
	}
	for i, n := range env.Target.Nodes() {
		if n == name {
			return node(i), true
		}
	}
	return 0, false
}

// shuffled returns the nodes in a random order.
func shuffled(env *Env, ns []node) []node {
	out := make([]node, len(ns))
	for i, p := range env.Rand.Perm(len(ns)) {
		out[i] = ns[p]
	}
	return out
}

// pickNodes draws k of the candidates at random (all of them when there
// are no more than k), in the target's order.
func pickNodes(env *Env, candidates []node, k int) []node {
	if k <= 0 || len(candidates) == 0 {
		return nil
	}
	return sortedNodes(shuffled(env, candidates)[:min(k, len(candidates))])
}

// without is ns minus the nodes in drop, in the order of ns.
func without(ns, drop []node) []node {
	var out []node
	for _, n := range ns {
		if indexOf(drop, n) < 0 {
			out = append(out, n)
		}
	}
	return out
}

func indexOf(ns []node, n node) int {
	for i, x := range ns {
		if x == n {
			return i
		}
	}
	return -1
}

func sortedNodes(ns []node) []node {
	out := append([]node(nil), ns...)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
