package nemesis

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// startSingleServerBug lines up the schedule of the bug Ongaro found in
// single-server membership changes in 2015 (raft-dev, "bug in single-server
// membership changes"): two changes made from the same configuration by
// leaders of different terms have majorities that need not overlap, and a
// leader that proposes a change before it has committed an entry of its
// own term can make one of them. With an even number n of voters V, a
// leader L and a node X outside:
//
//  1. cut L off with X alone, and ask L to add X: C1 = V+X is in L's and
//     X's logs only;
//  2. once the rest elect a leader L2, crash the voters of V-L beyond
//     the smallest majority of V-L that holds L2 (they voted for L2, and
//     hear nothing of its term), and at once ask L2 to remove L:
//     C2 = V-L commits on that majority alone;
//  3. then let L, X and the crashed voters, restarted, talk only among
//     themselves: they are a majority of C1, and their logs have nothing
//     of L2's term, so L can be elected in C1 and overwrite what C2's
//     majority committed.
//
// A correct leader refuses the change of step 2 until an entry of its term
// commits, which needs a majority of V, which the crash took away: the
// scenario then gives up on this round after 20 election timeouts, and the
// cluster is whole again. With n odd the majorities overlap; the scenario
// waits for an even configuration.
func startSingleServerBug(env *Env) (Action, func(), error) {
	const kind = "scenario-single-server-change"
	if _, err := env.Target.Configuration(); errors.Is(err, ErrUnsupported) {
		return Action{}, nil, err
	}
	phase := 0
	var l, x, l2 node
	var voters, keep, crashed []node
	var et, deadline time.Duration
	var l2Term uint64
	giveUp := func(sc *scenario, why string) {
		healLinks(env)()
		sc.cut = false
		for len(sc.crashed) > 0 {
			sc.restartOldest("a crashed voter")
		}
		phase, l2Term = 0, 0
		env.step(kind, why, nil)
		sc.coolDown(et, 50, 150)
	}
	return startScenario(env, kind, "the 2015 single-server membership bug's schedule: a change proposed by a leader that has not committed in its term", func(sc *scenario) {
		t := env.Target
		switch phase {
		case 0:
			ln, st, ok := sc.leader()
			if !ok {
				return
			}
			cfg, err := t.Configuration()
			if err != nil || !settled(cfg) || !slices.Contains(cfg.Voters, env.name(ln)) {
				return
			}
			if len(cfg.Voters) < 4 || len(cfg.Voters)%2 != 0 {
				prepareEven(sc, kind, cfg, env.name(ln), st.ElectionTimeout)
				return
			}
			var out []node
			for _, n := range outside(env, cfg) {
				if t.State(n) == NodeUp {
					out = append(out, nodeNamed(env, n))
				}
			}
			if len(out) == 0 || !mostlyUp(env, cfg.Voters) {
				return
			}
			for _, v := range cfg.Voters {
				if t.State(v) != NodeUp {
					return // every voter is needed for the choreography
				}
			}
			l, x, et = ln, pickNodes(env, out, 1)[0], st.ElectionTimeout
			voters = nil
			for _, v := range cfg.Voters {
				voters = append(voters, nodeNamed(env, v))
			}
			all := allNodes(env)
			side := func(n node) bool { return n == l || n == x }
			if _, err := setLinks(env, all, func(i, j int) bool { return side(all[i]) == side(all[j]) }); err != nil {
				healLinks(env)()
				return
			}
			sc.cut = true
			if err := t.ChangeMembership(MembershipChange{AddVoters: []string{env.name(x)}}); err != nil {
				giveUp(sc, "the leader refused to add "+env.name(x)+": "+err.Error())
				return
			}
			phase, deadline = 1, t.Now()+20*et
			env.step(kind, fmt.Sprintf("cut the leader off with %s and asked it to add %s, from %s", env.name(x), env.name(x), cfg), nodeNames(env, []node{l, x}))
		case 1:
			if t.Now() >= deadline {
				giveUp(sc, "no new leader, or it never took the change: give up")
				return
			}
			if l2Term == 0 {
				for _, n := range without(voters, []node{l}) {
					if st, ok := sc.status(n); ok && st.Role == Leader {
						l2, l2Term = n, st.Term
					}
				}
				if l2Term == 0 {
					return
				}
				// The smallest majority of V-L holding L2 stays up; the
				// rest voted for L2 (it needed a majority of V) and now
				// crash before they hear anything more of its term.
				rest := without(voters, []node{l, l2})
				keep = append([]node{l2}, pickNodes(env, rest, (len(voters)-1)/2)...)
				crashed = without(rest, keep)
				for _, n := range crashed {
					sc.crash(n, "a voter that elected the new leader")
				}
			}
			err := t.ChangeMembership(MembershipChange{Remove: []string{env.name(l)}})
			if err != nil {
				return // a correct leader refuses until its term commits: retry
			}
			phase, deadline = 2, t.Now()+20*et
			env.step(kind, fmt.Sprintf("asked the new leader %s to remove %s", env.name(l2), env.name(l)), nodeNames(env, []node{l2, l}))
		case 2:
			cfg, err := t.Configuration()
			if t.Now() >= deadline {
				giveUp(sc, "the removal never committed: give up")
				return
			}
			if err != nil || !cfg.Committed || cfg.IsMember(env.name(l)) {
				return
			}
			all := allNodes(env)
			inKeep := func(n node) bool { return indexOf(keep, n) >= 0 }
			if _, err := setLinks(env, all, func(i, j int) bool { return inKeep(all[i]) == inKeep(all[j]) }); err != nil {
				giveUp(sc, "could not cut the new leader's majority off")
				return
			}
			for len(sc.crashed) > 0 {
				sc.restartOldest("a voter, on the old leader's side")
			}
			phase, deadline = 3, t.Now()+30*et
			env.step(kind, fmt.Sprintf("the removal committed on %v: the old leader, %s and the restarted voters now talk only among themselves", nodeNames(env, keep), env.name(x)), nodeNames(env, append([]node{l, x}, crashed...)))
		case 3:
			elected := false
			for _, n := range append([]node{l, x}, crashed...) {
				if st, ok := sc.status(n); ok && st.Role == Leader && st.Term > l2Term {
					elected = true
				}
			}
			if elected || t.Now() >= deadline {
				healLinks(env)()
				sc.cut = false
				phase, l2Term = 0, 0
				env.step(kind, fmt.Sprintf("heal (a leader of the old configuration elected: %t)", elected), nil)
				sc.coolDown(et, 50, 150)
			}
		}
	})
}

// prepareEven makes the configuration one the schedule can use: an even
// number of voters, at least four, with a node outside. Five voters or
// more lose one (not the leader), which is then outside; three gain one
// when two nodes are outside.
func prepareEven(sc *scenario, kind string, cfg Configuration, leader string, et time.Duration) {
	env := sc.env
	var change MembershipChange
	out := outside(env, cfg)
	switch {
	case len(cfg.Voters)%2 == 1 && len(cfg.Voters) >= 5:
		change.Remove = []string{pickName(env, withoutName(cfg.Voters, leader))}
	case len(cfg.Voters) == 3 && len(out) >= 2:
		change.AddVoters = []string{pickName(env, out)}
	default:
		sc.coolDown(et, 50, 100)
		return
	}
	if quorumSafe(env, cfg, change) && env.Target.ChangeMembership(change) == nil {
		env.step(kind, "to make the configuration even: propose "+change.String()+", from "+cfg.String(), changedNodes(change))
	}
	sc.coolDown(et, 10, 20)
}

// nodeNamed is the node of the given name.
func nodeNamed(env *Env, name string) node {
	return node(slices.Index(env.Target.Nodes(), name))
}
