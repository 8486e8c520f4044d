package nemesis

import (
	"fmt"
	"sort"
	"strings"

	"raftcheck/harness"
)

// partitionKinds are the network partitions.
var partitionKinds = []Kind{
	{Name: "partition", Group: "partition", Start: startRandomHalves},
}

// startRandomHalves splits the nodes in two random groups, the first the
// smaller, as Jepsen's partition-random-halves does.
func startRandomHalves(env *Env) (Action, func(), bool) {
	nodes := env.Cluster.Peers.Addrs
	perm := env.Rand.Rand().Perm(len(nodes))
	cut := len(nodes) / 2
	var a, b []harness.Addr
	for i, p := range perm {
		if i < cut {
			a = append(a, nodes[p])
		} else {
			b = append(b, nodes[p])
		}
	}
	return partitionGroups(env, a, b)
}

// partitionGroups cuts every link between the groups, both ways, and
// returns the action and its heal.
func partitionGroups(env *Env, groups ...[]harness.Addr) (Action, func(), bool) {
	w := env.World()
	var names [][]string
	var desc []string
	for _, g := range groups {
		g = sortedAddrs(g)
		n := nodeNames(w, g)
		names = append(names, n)
		desc = append(desc, strings.Join(n, " "))
	}
	w.Partition(groups...)
	return Action{Description: fmt.Sprintf("partition %s", strings.Join(desc, " | ")), Value: names, Nodes: flatten(names)},
		func() { w.HealNetwork() }, true
}

func sortedAddrs(as []harness.Addr) []harness.Addr {
	out := append([]harness.Addr(nil), as...)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func nodeNames(w *harness.World, as []harness.Addr) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = w.Name(a)
	}
	return out
}

func flatten(groups [][]string) []string {
	var out []string
	for _, g := range groups {
		out = append(out, g...)
	}
	sort.Strings(out)
	return out
}
