package nemesis

import (
	"fmt"
	"strings"
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
func startRandomHalves(env *Env) (Action, func(), error) {
	nodes := allNodes(env)
	perm := env.Rand.Perm(len(nodes))
	cut := len(nodes) / 2
	var a, b []node
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
func startHalves(env *Env) (Action, func(), error) {
	nodes := allNodes(env)
	return partitionGroups(env, nodes[:len(nodes)/2], nodes[len(nodes)/2:])
}

// startIsolateOne cuts one random node off from every other node.
func startIsolateOne(env *Env) (Action, func(), error) {
	nodes := allNodes(env)
	return isolate(env, pickNodes(env, nodes, 1), "")
}

// startIsolateLeader cuts the current leader off from every other node;
// with no leader there is nothing to isolate.
func startIsolateLeader(env *Env) (Action, func(), error) {
	leader, ok := leaderNode(env)
	if !ok {
		return Action{}, nil, ErrNothingToBreak
	}
	return isolate(env, []node{leader}, " (the leader)")
}

func isolate(env *Env, alone []node, why string) (Action, func(), error) {
	if len(alone) != 1 {
		return Action{}, nil, ErrNothingToBreak
	}
	act, heal, err := partitionGroups(env, alone, without(allNodes(env), alone))
	if err == nil {
		act.Description = fmt.Sprintf("isolated %s%s", env.name(alone[0]), why)
		act.Nodes = nodeNames(env, alone)
	}
	return act, heal, err
}

// startMinorityThird cuts a random third of the nodes (⌊n/3⌋, at least
// one) from the rest: a minority too small to elect, large enough that it
// is not just one lost node.
func startMinorityThird(env *Env) (Action, func(), error) {
	nodes := allNodes(env)
	minority := pickNodes(env, nodes, max(1, len(nodes)/3))
	return partitionGroups(env, minority, without(nodes, minority))
}

// partitionGroups cuts every link between the groups, both ways, restores
// every link inside a group, and returns the action and its heal. With an
// empty group there is no partition to make.
func partitionGroups(env *Env, groups ...[]node) (Action, func(), error) {
	if len(groups) < 2 {
		return Action{}, nil, ErrNothingToBreak
	}
	for _, g := range groups {
		if len(g) == 0 {
			return Action{}, nil, ErrNothingToBreak
		}
	}
	var names [][]string
	var desc []string
	var all []node
	group := map[node]int{}
	for i, g := range groups {
		g = sortedNodes(g)
		n := nodeNames(env, g)
		names = append(names, n)
		desc = append(desc, strings.Join(n, " "))
		all = append(all, g...)
		for _, x := range g {
			group[x] = i
		}
	}
	all = sortedNodes(all)
	if _, err := setLinks(env, all, func(i, j int) bool { return group[all[i]] == group[all[j]] }); err != nil {
		return Action{}, nil, err
	}
	return Action{Description: fmt.Sprintf("partition %s", strings.Join(desc, " | ")), Value: names, Nodes: nodeNames(env, all)},
		healLinks(env), nil
}

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
func startMajoritiesRing(env *Env) (Action, func(), error) {
	nodes := allNodes(env)
	k, path, ok := majoritiesRing(len(nodes))
	if !ok {
		return Action{}, nil, ErrNothingToBreak
	}
	order := shuffled(env, nodes)
	pos := make([]int, len(nodes)) // pos[i] is the ring position of nodes[i]
	for p, a := range order {
		pos[indexOf(nodes, a)] = p
	}
	cut, err := setLinks(env, nodes, func(i, j int) bool { return ringSees(len(nodes), k, path, pos[i], pos[j]) })
	if err != nil {
		return Action{}, nil, err
	}
	ring := nodeNames(env, order)
	shape := "ring"
	if path {
		shape = "ring opened between its ends"
	}
	return Action{
		Description: fmt.Sprintf("majorities %s %s: each node sees itself and %d either side", shape, strings.Join(ring, "-"), k),
		Value:       ringValue{Ring: ring, Cut: cut},
		Nodes:       nodeNames(env, nodes),
	}, healLinks(env), nil
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
func startBridge(env *Env) (Action, func(), error) {
	nodes := allNodes(env)
	if len(nodes) < 3 {
		return Action{}, nil, ErrNothingToBreak
	}
	order := shuffled(env, nodes)
	bridge := order[0]
	half := (len(order) - 1) / 2
	a, b := sortedNodes(order[1:1+half]), sortedNodes(order[1+half:])
	side := func(x node) int {
		switch {
		case x == bridge:
			return 0
		case indexOf(a, x) >= 0:
			return 1
		}
		return 2
	}
	if _, err := setLinks(env, nodes, func(i, j int) bool {
		si, sj := side(nodes[i]), side(nodes[j])
		return si == 0 || sj == 0 || si == sj
	}); err != nil {
		return Action{}, nil, err
	}
	an, bn := nodeNames(env, a), nodeNames(env, b)
	return Action{
		Description: fmt.Sprintf("bridge %s between %s | %s", env.name(bridge), strings.Join(an, " "), strings.Join(bn, " ")),
		Value:       bridgeValue{Bridge: env.name(bridge), Sides: [][]string{an, bn}},
		Nodes:       nodeNames(env, nodes),
	}, healLinks(env), nil
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
func startOneWay(env *Env) (Action, func(), error) {
	nodes := allNodes(env)
	if len(nodes) < 2 {
		return Action{}, nil, ErrNothingToBreak
	}
	wantLeader := env.Rand.Below(2) == 0
	deaf, isLeader := leaderNode(env)
	if !wantLeader || !isLeader {
		deaf, isLeader = pickNodes(env, nodes, 1)[0], false
	}
	others := without(nodes, []node{deaf})
	for _, o := range others {
		if err := env.Target.Cut(env.name(o), env.name(deaf)); err != nil {
			healLinks(env)()
			return Action{}, nil, err
		}
	}
	why := ""
	if isLeader {
		why = " (the leader)"
	}
	return Action{
		Description: fmt.Sprintf("%s%s hears no other node; they still hear it", env.name(deaf), why),
		Value:       oneWayValue{Node: env.name(deaf), Leader: isLeader, From: nodeNames(env, others)},
		Nodes:       []string{env.name(deaf)},
	}, healLinks(env), nil
}

// setLinks sets every link between the nodes: nodes[i] -> nodes[j] is
// connected when open(i, j) holds and cut otherwise. It walks the pairs in
// the target's order, so the trace's cut records come in a fixed order,
// and returns the cut links by name. On an error it heals every link and
// returns the error.
func setLinks(env *Env, nodes []node, open func(i, j int) bool) ([][2]string, error) {
	cut := [][2]string{}
	for i, from := range nodes {
		for j, to := range nodes {
			var err error
			switch {
			case i == j:
			case open(i, j):
				err = env.Target.Connect(env.name(from), env.name(to))
			default:
				err = env.Target.Cut(env.name(from), env.name(to))
				cut = append(cut, [2]string{env.name(from), env.name(to)})
			}
			if err != nil {
				healLinks(env)()
				return nil, err
			}
		}
	}
	return cut, nil
}

// healLinks returns the heal of every partition: it connects every link
// between nodes, in the target's order. Only one partition is in force at a
// time (Nemesis.groupExcludes), so it undoes no other fault's cut.
func healLinks(env *Env) func() {
	return func() {
		nodes := allNodes(env)
		for _, from := range nodes {
			for _, to := range nodes {
				if from != to {
					// Connecting is the undoing of a cut the target made,
					// so it cannot be unsupported.
					_ = env.Target.Connect(env.name(from), env.name(to))
				}
			}
		}
	}
}
