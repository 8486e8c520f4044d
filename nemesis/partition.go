package nemesis

import (
	"fmt"
	"sort"
	"strings"

	"raftcheck/harness"
)

// partitionKinds are the network partitions. Each acts on the links
// between nodes only: a client's links are never cut, so what a partition
// tests is the servers' disagreement, not clients that cannot reach anyone.
// Every one heals by restoring every link.
var partitionKinds = []Kind{
	{Name: "partition", Group: "partition", Start: startRandomHalves},
	{Name: "partition-halves", Group: "partition", Start: startHalves},
	{Name: "partition-one", Group: "partition", Start: startIsolateOne},
	{Name: "partition-leader", Group: "partition", Start: startIsolateLeader},
	{Name: "partition-minority-third", Group: "partition", Start: startMinorityThird},
	{Name: "partition-ring", Group: "partition", Start: startMajoritiesRing},
	{Name: "partition-bridge", Group: "partition", Start: startBridge},
	{Name: "partition-one-way", Group: "partition", Start: startOneWay},
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

// startHalves cuts the first ⌊n/2⌋ nodes by ID from the rest: the same
// split every time, so a failure under it does not hang on which nodes
// were drawn.
func startHalves(env *Env) (Action, func(), bool) {
	nodes := env.Cluster.Peers.Addrs // in ID order
	return partitionGroups(env, nodes[:len(nodes)/2], nodes[len(nodes)/2:])
}

// startIsolateOne cuts one random node off from every other node.
func startIsolateOne(env *Env) (Action, func(), bool) {
	nodes := nodeAddrs(env)
	return isolate(env, pickNodes(env, nodes, 1), "")
}

// startIsolateLeader cuts the current leader off from every other node;
// with no leader there is nothing to isolate.
func startIsolateLeader(env *Env) (Action, func(), bool) {
	leader, ok := leaderAddr(env)
	if !ok {
		return Action{}, nil, false
	}
	return isolate(env, []harness.Addr{leader}, " (the leader)")
}

func isolate(env *Env, alone []harness.Addr, why string) (Action, func(), bool) {
	if len(alone) != 1 {
		return Action{}, nil, false
	}
	act, heal, ok := partitionGroups(env, alone, without(nodeAddrs(env), alone))
	if ok {
		act.Description = fmt.Sprintf("isolated %s%s", env.World().Name(alone[0]), why)
		act.Nodes = nodeNames(env.World(), alone)
	}
	return act, heal, ok
}

// startMinorityThird cuts a random third of the nodes (⌊n/3⌋, at least
// one) from the rest: a minority too small to elect, large enough that it
// is not just one lost node.
func startMinorityThird(env *Env) (Action, func(), bool) {
	nodes := nodeAddrs(env)
	minority := pickNodes(env, nodes, max(1, len(nodes)/3))
	return partitionGroups(env, minority, without(nodes, minority))
}

// partitionGroups cuts every link between the groups, both ways, restores
// every link inside a group, and returns the action and its heal. With an
// empty group there is no partition to make.
func partitionGroups(env *Env, groups ...[]harness.Addr) (Action, func(), bool) {
	if len(groups) < 2 {
		return Action{}, nil, false
	}
	for _, g := range groups {
		if len(g) == 0 {
			return Action{}, nil, false
		}
	}
	w := env.World()
	var names [][]string
	var desc []string
	var all []harness.Addr
	for _, g := range groups {
		g = sortedAddrs(g)
		n := nodeNames(w, g)
		names = append(names, n)
		desc = append(desc, strings.Join(n, " "))
		all = append(all, g...)
	}
	w.Partition(groups...)
	return Action{Description: fmt.Sprintf("partition %s", strings.Join(desc, " | ")), Value: names, Nodes: nodeNames(w, sortedAddrs(all))},
		healNetwork(w), true
}

func healNetwork(w *harness.World) func() { return func() { w.HealNetwork() } }

// ringValue is the history value of a majorities ring: the ring order and
// the links it cut.
type ringValue struct {
	Ring []string    `json:"ring"`
	Cut  [][2]string `json:"cut"`
}

// startMajoritiesRing lays the nodes on a ring in a random order and lets
// each see only its nearest neighbours on the ring, so that every node sees
// a majority of the cluster (counting itself) and no two nodes see the same
// majority, as Jepsen's majorities-ring does. Every node can then win a
// vote from its own majority while no majority agrees on who else is
// reachable: the shape that breaks protocols which assume a majority is a
// clique.
func startMajoritiesRing(env *Env) (Action, func(), bool) {
	nodes := nodeAddrs(env)
	k, path, ok := majoritiesRing(len(nodes))
	if !ok {
		return Action{}, nil, false
	}
	w := env.World()
	order := shuffled(env, nodes)
	pos := make([]int, len(nodes)) // pos[i] is the ring position of nodes[i]
	for p, a := range order {
		pos[indexOf(nodes, a)] = p
	}
	cut := setLinks(w, nodes, func(i, j int) bool { return ringSees(len(nodes), k, path, pos[i], pos[j]) })
	ring := nodeNames(w, order)
	shape := "ring"
	if path {
		shape = "ring opened between its ends"
	}
	return Action{
		Description: fmt.Sprintf("majorities %s %s: each node sees itself and %d either side", shape, strings.Join(ring, "-"), k),
		Value:       ringValue{Ring: ring, Cut: cut},
		Nodes:       nodeNames(w, nodes),
	}, healNetwork(w), true
}

// majoritiesRing gives the reach k of a majorities ring of n nodes: the
// node at ring position i sees the nodes at ring distance at most k, both
// ways. path is set when the ring must be opened between its last and
// first positions.
//
// The visibility relation is symmetric: Jepsen's ring gives each node a
// window of exactly a majority m = ⌊n/2⌋+1 centred on it, which for even m
// is lopsided, so a sees b while b does not see a. A one-way link is a
// different fault (partition-one-way has it); here we keep every link open
// both ways or cut both ways, and pay with a slightly larger window.
//
// Proof that it is a majorities ring, with h = ⌊n/2⌋ and k = ⌈h/2⌉:
//   - Majority: a node sees the arc of 2k+1 ≥ h+1 positions centred on it.
//   - Distinct: for n ≥ 4, 2k+1 ≤ h+2 < n, so the arc is shorter than the
//     ring and has exactly one centre; two nodes, two centres, two arcs.
//   - n = 3 is the exception: k = 1 reaches the whole ring, so every node
//     would see the same set. Opening the ring into the path a-b-c gives
//     {a,b}, {a,b,c}, {b,c}: each a majority of 3, all different.
//   - n < 3 has no answer: a majority of 2 is both nodes.
//
// A node sees h+1 nodes when h is even and h+2 when h is odd (n = 6, 7).
// For odd n and odd h no symmetric relation does better: every node seeing
// exactly h others would make a graph with n·h/2 edges, not a whole number.
func majoritiesRing(n int) (k int, path, ok bool) {
	if n < 3 {
		return 0, false, false
	}
	k = (n/2 + 1) / 2
	return k, 2*k+1 >= n, true
}

// ringSees reports whether ring positions i and j see each other.
func ringSees(n, k int, path bool, i, j int) bool {
	d := i - j
	if d < 0 {
		d = -d
	}
	if !path {
		d = min(d, n-d)
	}
	return d <= k
}

// bridgeValue is the history value of a bridge partition.
type bridgeValue struct {
	Bridge string     `json:"bridge"`
	Sides  [][]string `json:"sides"`
}

// startBridge splits the nodes other than a random bridge node into two
// random halves that cannot hear each other, while the bridge hears and is
// heard by everybody. With n = 5 each side plus the bridge is a majority,
// so two leaders can each believe they hold one.
func startBridge(env *Env) (Action, func(), bool) {
	nodes := nodeAddrs(env)
	if len(nodes) < 3 {
		return Action{}, nil, false
	}
	w := env.World()
	order := shuffled(env, nodes)
	bridge := order[0]
	half := (len(order) - 1) / 2
	a, b := sortedAddrs(order[1:1+half]), sortedAddrs(order[1+half:])
	side := func(x harness.Addr) int {
		switch {
		case x == bridge:
			return 0
		case indexOf(a, x) >= 0:
			return 1
		}
		return 2
	}
	setLinks(w, nodes, func(i, j int) bool {
		si, sj := side(nodes[i]), side(nodes[j])
		return si == 0 || sj == 0 || si == sj
	})
	an, bn := nodeNames(w, a), nodeNames(w, b)
	return Action{
		Description: fmt.Sprintf("bridge %s between %s | %s", w.Name(bridge), strings.Join(an, " "), strings.Join(bn, " ")),
		Value:       bridgeValue{Bridge: w.Name(bridge), Sides: [][]string{an, bn}},
		Nodes:       nodeNames(w, nodes),
	}, healNetwork(w), true
}

// oneWayValue is the history value of a one-way partition.
type oneWayValue struct {
	Node   string   `json:"node"`
	Leader bool     `json:"leader"`
	From   []string `json:"from"` // the nodes it no longer hears
}

// startOneWay makes one node deaf to every other node while they still
// hear it: half the time the leader (if there is one), which keeps sending
// heartbeats it never hears answered, and otherwise a random node, which
// keeps campaigning with votes it never hears. Only the inbound links are
// cut; links another fault cut stay as they are.
func startOneWay(env *Env) (Action, func(), bool) {
	nodes := nodeAddrs(env)
	if len(nodes) < 2 {
		return Action{}, nil, false
	}
	w := env.World()
	wantLeader := env.Rand.Below(2) == 0
	deaf, isLeader := leaderAddr(env)
	if !wantLeader || !isLeader {
		deaf, isLeader = pickNodes(env, nodes, 1)[0], false
	}
	others := without(nodes, []harness.Addr{deaf})
	for _, o := range others {
		w.Cut(o, deaf)
	}
	why := ""
	if isLeader {
		why = " (the leader)"
	}
	return Action{
		Description: fmt.Sprintf("%s%s hears no other node; they still hear it", w.Name(deaf), why),
		Value:       oneWayValue{Node: w.Name(deaf), Leader: isLeader, From: nodeNames(w, others)},
		Nodes:       []string{w.Name(deaf)},
	}, healNetwork(w), true
}

// setLinks sets every link between the nodes: nodes[i] -> nodes[j] is
// connected when open(i, j) holds and cut otherwise. It walks the pairs in
// address order, so the trace's cut records come in a fixed order, and
// returns the cut links by name.
func setLinks(w *harness.World, nodes []harness.Addr, open func(i, j int) bool) [][2]string {
	cut := [][2]string{}
	for i, from := range nodes {
		for j, to := range nodes {
			switch {
			case i == j:
			case open(i, j):
				w.Connect(from, to)
			default:
				w.Cut(from, to)
				cut = append(cut, [2]string{w.Name(from), w.Name(to)})
			}
		}
	}
	return cut
}

// The helpers below choose nodes for every group of kinds. Each takes its
// candidates in address order and draws from env.Rand alone, so a seed
// picks the same nodes on every machine.

// nodeAddrs are the cluster's nodes (never its clients), in address order.
func nodeAddrs(env *Env) []harness.Addr { return sortedAddrs(env.Cluster.Peers.Addrs) }

// nodesIn are the nodes whose lifecycle state is one of states.
func nodesIn(env *Env, states ...harness.NodeState) []harness.Addr {
	var out []harness.Addr
	for _, a := range nodeAddrs(env) {
		s := env.World().State(a)
		for _, want := range states {
			if s == want {
				out = append(out, a)
				break
			}
		}
	}
	return out
}

// leaderAddr is the address of the running node that leads the highest
// term (Cluster.Leader).
func leaderAddr(env *Env) (harness.Addr, bool) {
	l := env.Cluster.Leader()
	if l == nil {
		return 0, false
	}
	return env.Cluster.Addr(l.ID()), true
}

// shuffled returns the addresses in a random order.
func shuffled(env *Env, as []harness.Addr) []harness.Addr {
	out := make([]harness.Addr, len(as))
	for i, p := range env.Rand.Rand().Perm(len(as)) {
		out[i] = as[p]
	}
	return out
}

// pickNodes draws k of the candidates at random (all of them when there
// are no more than k), in address order.
func pickNodes(env *Env, candidates []harness.Addr, k int) []harness.Addr {
	if k <= 0 || len(candidates) == 0 {
		return nil
	}
	return sortedAddrs(shuffled(env, candidates)[:min(k, len(candidates))])
}

// without is as minus the addresses in drop, in the order of as.
func without(as, drop []harness.Addr) []harness.Addr {
	var out []harness.Addr
	for _, a := range as {
		if indexOf(drop, a) < 0 {
			out = append(out, a)
		}
	}
	return out
}

func indexOf(as []harness.Addr, a harness.Addr) int {
	for i, x := range as {
		if x == a {
			return i
		}
	}
	return -1
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
