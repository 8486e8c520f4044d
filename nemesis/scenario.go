package nemesis

import (
	"errors"
	"fmt"
	"time"
)

// scenarioKinds are directed adversarial schedules: each watches what the
// target shows of its nodes (Status, Leader) every millisecond and strikes
// at the moment one of the hard interleavings of the literature needs, then
// again at the next such moment, until the schedule heals it. Random faults
// almost never line these up; the textbook Figure 8 bug (a leader that
// commits an entry of an earlier term by counting replicas) survived
// thousands of random runs. A scenario recognises its moment from the
// target's observable state only, never from a switch in the system, so it
// works the same on any target that shows a status; on one that does not,
// it is unsupported and skipped.
var scenarioKinds = []Kind{
	{Name: "scenario-isolate-mid-append", Group: "scenario", Start: startIsolateMidAppend},
	{Name: "scenario-figure8", Group: "scenario", Start: startFigure8},
	{Name: "scenario-crash-voters", Group: "scenario", Start: startCrashVoters},
	{Name: "scenario-pause-past-lease", Group: "scenario", Start: startPausePastLease},
	{Name: "scenario-restart-in-election", Group: "scenario", Start: startRestartInElection},
	{Name: "scenario-lease-edge", Group: "scenario", Start: startLeaseEdge},
	{Name: "scenario-deaf-rejoin", Group: "scenario", Start: startDeafRejoin},
	{Name: "scenario-snapshot-catch-up", Group: "scenario", Start: startSnapshotCatchUp},
	{Name: "scenario-crash-in-snapshot", Group: "scenario", Start: startCrashInSnapshot},
	{Name: "scenario-slow-follower-failover", Group: "scenario", Start: startSlowFollowerFailover},
}

// pollEvery is how often a scenario looks at the target.
const pollEvery = time.Millisecond

// scenario is what every directed scenario shares: its poll loop on the
// target's clock, and what it broke, which its heal undoes.
type scenario struct {
	env     *Env
	kind    string
	stopped bool
	// wakeAt is when the scenario looks again for its moment (a cool-down
	// after a strike).
	wakeAt time.Duration
	// crashed and paused are the nodes it holds down or paused, in the
	// order it took them; cut says it holds links cut.
	crashed, paused []node
	cut             bool
}

// startScenario checks that the target shows a status, and starts poll
// every pollEvery until the heal.
func startScenario(env *Env, kind, what string, poll func(sc *scenario)) (Action, func(), error) {
	nodes := allNodes(env)
	if len(nodes) < 3 {
		return Action{}, nil, ErrNothingToBreak
	}
	for _, n := range nodes {
		if _, err := env.Target.Status(env.name(n)); errors.Is(err, ErrUnsupported) {
			return Action{}, nil, err
		}
	}
	sc := &scenario{env: env, kind: kind}
	var tick func()
	tick = func() {
		if sc.stopped {
			return
		}
		if env.Target.Now() >= sc.wakeAt {
			poll(sc)
		}
		env.Target.After(pollEvery, tick)
	}
	env.Target.After(pollEvery, tick)
	return Action{Description: what, Value: kind, Nodes: nodeNames(env, nodes)}, sc.heal, nil
}

// heal stops the scenario and undoes what it holds.
func (sc *scenario) heal() {
	sc.stopped = true
	if sc.cut {
		healLinks(sc.env)()
	}
	for _, n := range sc.crashed {
		_ = sc.env.Target.Restart(sc.env.name(n))
	}
	for _, n := range sc.paused {
		_ = sc.env.Target.Resume(sc.env.name(n))
	}
	sc.crashed, sc.paused, sc.cut = nil, nil, false
}

// status is a node's status; ok is false while it is down.
func (sc *scenario) status(n node) (NodeStatus, bool) {
	st, err := sc.env.Target.Status(sc.env.name(n))
	return st, err == nil
}

// leader is the target's leader and its status, when it shows one.
func (sc *scenario) leader() (node, NodeStatus, bool) {
	l, ok := leaderNode(sc.env)
	if !ok {
		return 0, NodeStatus{}, false
	}
	st, ok := sc.status(l)
	return l, st, ok
}

// leaderAndFollower is the target's leader with its status, and one of
// the followers of its term, drawn at random; ok is false when there is no
// leader or it has no follower in its term.
func (sc *scenario) leaderAndFollower() (l node, st NodeStatus, f node, ok bool) {
	l, st, ok = sc.leader()
	if !ok {
		return 0, st, 0, false
	}
	var followers []node
	for _, n := range without(allNodes(sc.env), []node{l}) {
		if fs, up := sc.status(n); up && fs.Role == Follower && fs.Term == st.Term {
			followers = append(followers, n)
		}
	}
	if len(followers) == 0 {
		return 0, st, 0, false
	}
	return l, st, pickNodes(sc.env, followers, 1)[0], true
}

// coolDown makes the scenario wait between lo and hi election timeouts
// (in tenths) of et before it looks again.
func (sc *scenario) coolDown(et time.Duration, loTenths, hiTenths int64) {
	sc.wakeAt = sc.env.Target.Now() + time.Duration(sc.env.Rand.Between(loTenths, hiTenths))*et/10
}

// crash crashes n and remembers it; restart brings back the oldest node
// it holds down.
func (sc *scenario) crash(n node, why string) {
	if sc.env.Target.Crash(sc.env.name(n)) == nil {
		sc.crashed = append(sc.crashed, n)
		sc.env.step(sc.kind, "crash "+why, nodeNames(sc.env, []node{n}))
	}
}

func (sc *scenario) restartOldest(why string) {
	if len(sc.crashed) == 0 {
		return
	}
	n := sc.crashed[0]
	sc.crashed = sc.crashed[1:]
	_ = sc.env.Target.Restart(sc.env.name(n))
	sc.env.step(sc.kind, "restart "+why, nodeNames(sc.env, []node{n}))
}

// provokeElection crashes the leader when no node has campaigned for three
// election timeouts, so that a scenario waiting for elections gets them;
// the leader comes back one election timeout later.
func (sc *scenario) provokeElection(lastCampaign *time.Duration) {
	t := sc.env.Target
	l, st, ok := sc.leader()
	if !ok {
		*lastCampaign = t.Now()
		return
	}
	if t.Now()-*lastCampaign < 3*st.ElectionTimeout || len(sc.crashed) >= minority(len(allNodes(sc.env))) {
		return
	}
	sc.crash(l, "the leader, to provoke an election")
	t.After(st.ElectionTimeout, func() {
		if !sc.stopped {
			sc.restartOldest("the leader")
		}
	})
	*lastCampaign = t.Now()
}

// candidates are the running nodes whose status says they campaign.
func (sc *scenario) candidates() []node {
	var out []node
	for _, n := range allNodes(sc.env) {
		if st, ok := sc.status(n); ok && st.Role == Candidate {
			out = append(out, n)
		}
	}
	return out
}

// startIsolateMidAppend waits for a leader that has appended entries it
// has not committed, and at once cuts it off with at most one follower that
// holds some of them (a minority, when the cluster has four nodes or more),
// so they reach a minority only. Once the majority has elected another
// leader, and a moment later, it reconnects the old one: Figure 8's shape,
// an old leader back with entries of its term that a newer leader may
// overwrite (§5.4.2).
func startIsolateMidAppend(env *Env) (Action, func(), error) {
	const kind = "scenario-isolate-mid-append"
	var old node
	var et time.Duration
	isolated := false
	var deadline time.Duration
	return startScenario(env, kind, "isolating the leader right after it appends, then bringing it back", func(sc *scenario) {
		t := env.Target
		switch {
		case !isolated:
			l, st, ok := sc.leader()
			if !ok || st.LastIndex <= st.Commit {
				return
			}
			side := []node{l}
			if len(allNodes(env)) >= 4 {
				var holders []node
				for _, f := range without(allNodes(env), side) {
					if fs, ok := sc.status(f); ok && fs.LastIndex > st.Commit {
						holders = append(holders, f)
					}
				}
				side = append(side, pickNodes(env, holders, 1)...)
			}
			side = sortedNodes(side)
			in := map[node]bool{}
			for _, n := range side {
				in[n] = true
			}
			all := allNodes(env)
			if _, err := setLinks(env, all, func(i, j int) bool { return in[all[i]] == in[all[j]] }); err != nil {
				return
			}
			sc.cut, isolated, old, et = true, true, l, st.ElectionTimeout
			deadline = t.Now() + 30*et
			env.step(kind, "isolate the leader mid-append", nodeNames(env, side))
		default:
			l, st, ok := sc.leader()
			newLeader := ok && l != old && st.LastIndex > st.Commit
			if !newLeader && t.Now() < deadline {
				return
			}
			healLinks(env)()
			sc.cut, isolated = false, false
			env.step(kind, "bring the old leader back", nodeNames(env, []node{old}))
			sc.coolDown(et, 5, 30)
		}
	})
}

// startFigure8 plays Figure 8 with crashes, again and again: it crashes a
// leader that holds uncommitted entries; once another leader has appended
// entries of its own term at those indexes, it crashes that one and
// restarts the first, so that leaders of different terms keep writing the
// same indexes. At most a minority is down at once.
func startFigure8(env *Env) (Action, func(), error) {
	const kind = "scenario-figure8"
	var last node
	waiting := false
	var deadline, et time.Duration
	return startScenario(env, kind, "crashing leaders with uncommitted entries in turn (Figure 8)", func(sc *scenario) {
		t := env.Target
		l, st, ok := sc.leader()
		switch {
		case !waiting:
			if !ok || st.LastIndex <= st.Commit {
				return
			}
			for len(sc.crashed) >= minority(len(allNodes(env))) {
				sc.restartOldest("to keep a majority")
			}
			sc.crash(l, "a leader with uncommitted entries")
			last, waiting, et = l, true, st.ElectionTimeout
			deadline = t.Now() + 30*et
		case ok && l != last && st.LastIndex > st.Commit:
			sc.restartOldest("an earlier leader")
			for len(sc.crashed) >= minority(len(allNodes(env))) {
				sc.restartOldest("to keep a majority")
			}
			sc.crash(l, "the next leader, which appended at the same indexes")
			last, et = l, st.ElectionTimeout
			deadline = t.Now() + 30*et
		case t.Now() >= deadline:
			for len(sc.crashed) > 0 {
				sc.restartOldest("no new leader came")
			}
			waiting = false
			sc.coolDown(et, 5, 20)
		}
	})
}

// startCrashVoters watches elections (and provokes one when none comes):
// when a node campaigns, it crashes
// one of the nodes that has just voted in the candidate's term, at once,
// likely before the vote reached its disk, and restarts it soon after. A
// node that forgets a vote, or answers before it is durable, votes twice.
func startCrashVoters(env *Env) (Action, func(), error) {
	const kind = "scenario-crash-voters"
	var lastCampaign time.Duration
	return startScenario(env, kind, "crashing voters the moment they vote", func(sc *scenario) {
		cands := sc.candidates()
		if len(cands) == 0 {
			sc.provokeElection(&lastCampaign)
			return
		}
		lastCampaign = env.Target.Now()
		c := cands[env.Rand.Below(uint64(len(cands)))]
		cst, _ := sc.status(c)
		var voters []node
		for _, n := range without(allNodes(env), []node{c}) {
			if st, ok := sc.status(n); ok && st.Voted && st.Term == cst.Term {
				voters = append(voters, n)
			}
		}
		if len(voters) == 0 {
			return
		}
		v := pickNodes(env, voters, 1)[0]
		sc.crash(v, fmt.Sprintf("a voter of term %d", cst.Term))
		back := time.Duration(env.Rand.Between(1, 50)) * time.Millisecond
		env.Target.After(back, func() {
			if !sc.stopped {
				sc.restartOldest("the voter")
			}
		})
		sc.coolDown(cst.ElectionTimeout, 5, 20)
	})
}

// startPausePastLease pauses the leader for 0.8 to 1.5 election timeouts,
// around where a lease ends: it wakes believing no time has passed, with a
// lease its followers no longer honour, perhaps beside a new leader.
func startPausePastLease(env *Env) (Action, func(), error) {
	const kind = "scenario-pause-past-lease"
	return startScenario(env, kind, "pausing the leader just past its lease", func(sc *scenario) {
		l, st, ok := sc.leader()
		if !ok || len(sc.paused) > 0 {
			return
		}
		name := env.name(l)
		if env.Target.Pause(name) != nil {
			return
		}
		sc.paused = append(sc.paused, l)
		d := time.Duration(env.Rand.Between(8, 15)) * st.ElectionTimeout / 10
		env.step(kind, fmt.Sprintf("pause the leader for %v", d), []string{name})
		env.Target.After(d, func() {
			if sc.stopped || len(sc.paused) == 0 {
				return
			}
			sc.paused = sc.paused[:0]
			_ = env.Target.Resume(name)
			env.step(kind, "resume the old leader", []string{name})
		})
		// Look again only after it has woken, and a while after.
		sc.coolDown(st.ElectionTimeout, 10+10*int64(d/st.ElectionTimeout), 40)
	})
}

// startRestartInElection (provoking elections when none comes) crashes a
// candidate the moment it campaigns and
// restarts it within half an election timeout, again and again: elections
// that never settle, with nodes recovering their term and vote from disk
// in the middle of them.
func startRestartInElection(env *Env) (Action, func(), error) {
	const kind = "scenario-restart-in-election"
	var lastCampaign time.Duration
	return startScenario(env, kind, "restarting candidates in the middle of elections", func(sc *scenario) {
		cands := sc.candidates()
		if len(cands) == 0 {
			sc.provokeElection(&lastCampaign)
			return
		}
		lastCampaign = env.Target.Now()
		if len(sc.crashed) >= minority(len(allNodes(env))) {
			return
		}
		c := cands[env.Rand.Below(uint64(len(cands)))]
		st, _ := sc.status(c)
		sc.crash(c, "a candidate")
		back := time.Duration(env.Rand.Between(1, 5)) * st.ElectionTimeout / 10
		env.Target.After(back, func() {
			if !sc.stopped {
				sc.restartOldest("the candidate")
			}
		})
		sc.coolDown(st.ElectionTimeout, 3, 10)
	})
}

// startLeaseEdge attacks a lease at its edge: it slows the leader's clock
// by DriftPPM and speeds every other clock by as much (a ratio of
// (1+d)/(1-d): within a lease's drift bound b when d is at most b/(2+b)),
// lets the leader renew its lease under that skew for three election
// timeouts, then cuts it off from every node. The followers' fast clocks
// end their promise not to vote as early as the bound allows, and the
// leader's slow clock ends its lease as late as it allows; a lease
// computed with too thin a margin serves reads after a new leader has
// committed. It then reconnects the old leader and puts the rates back
// (never the clocks: a jump would break the bound), and does it again.
func startLeaseEdge(env *Env) (Action, func(), error) {
	const kind = "scenario-lease-edge"
	drift := min(env.Params.DriftPPM, MaxDriftPPM)
	if drift <= 0 {
		return Action{}, nil, ErrNothingToBreak
	}
	if _, _, err := env.Target.Clock(env.name(0)); err != nil {
		return Action{}, nil, err
	}
	phase := 0
	var old node
	var at, et time.Duration
	skew := &leaderSkew{env: env}
	unskew := skew.undo
	act, heal, err := startScenario(env, kind, "skewing clocks against the leader's lease, then cutting it off", func(sc *scenario) {
		t := env.Target
		switch phase {
		case 0:
			l, st, ok := sc.leader()
			if !ok {
				return
			}
			if !skew.apply(l, drift) {
				return
			}
			old, et, phase, at = l, st.ElectionTimeout, 1, t.Now()+3*st.ElectionTimeout
			env.step(kind, fmt.Sprintf("slow the leader's clock by %d ppm, speed the others", drift), nodeNames(env, []node{l}))
		case 1:
			if t.Now() < at {
				return
			}
			all := allNodes(env)
			if _, err := setLinks(env, all, func(i, j int) bool { return all[i] != old && all[j] != old }); err != nil {
				unskew()
				phase = 0
				return
			}
			sc.cut, phase, at = true, 2, t.Now()+10*et
			env.step(kind, "cut off the leader at the edge of its lease", nodeNames(env, []node{old}))
		case 2:
			l, _, ok := sc.leader()
			if t.Now() < at && !(ok && l != old) {
				return
			}
			healLinks(env)()
			sc.cut = false
			unskew()
			env.step(kind, "reconnect the old leader, clocks at a true rate", nodeNames(env, []node{old}))
			phase = 0
			sc.coolDown(et, 20, 50)
		}
	})
	if err != nil {
		return act, heal, err
	}
	return act, func() { heal(); unskew() }, nil
}
