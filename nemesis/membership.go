package nemesis

import (
	"errors"
	"slices"
	"time"
)

// membershipKinds change the cluster's configuration while it serves
// (thesis §4): they remove and add voters, replace one by another through
// a joint configuration, bring a spare in as a learner and promote it once
// it has caught up, and remove a voter and add it back the moment its
// removal commits (within the leader's term: the rejoin bug of
// drmingdrmer/raft-rejoin-bug). Each acts again a few election timeouts
// after its last change has committed, until it is healed; its heal adds
// back, as voters, the nodes it removed that are still out.
//
// They never leave the cluster unable to form a quorum by their own
// choice: a change is proposed only while the configuration in force is
// committed and not joint, only if a majority of the voters after it are
// running (and of those before it, which must commit it), and never takes
// the cluster below three voters (or below what it has, if fewer). Other
// faults may still take a quorum away for a while, as they do without
// membership changes. After each change commits, the schedule notes the
// configuration in force.
var membershipKinds = []Kind{
	{Name: "member-remove", Group: "membership", Start: startChurn("member-remove", "removing a voter other than the leader", planRemove)},
	{Name: "member-remove-leader", Group: "membership", Start: startChurn("member-remove-leader", "removing the leader", planRemoveLeader)},
	{Name: "member-replace", Group: "membership", Start: startChurn("member-replace", "replacing a voter by a node outside the configuration, through a joint configuration", planReplace)},
	{Name: "member-learner", Group: "membership", Start: startChurn("member-learner", "adding a node as a learner and promoting it once it has caught up", planLearner)},
	{Name: "member-rejoin", Group: "membership", Start: startChurn("member-rejoin", "removing a voter and adding it back as soon as its removal commits", planRejoin)},
	{Name: "member-churn", Group: "membership", Start: startChurn("member-churn", "changing the configuration, a change drawn at random each time", planAny)},
	{Name: "member-remove-cut-off", Group: "membership", Start: startChurn("member-remove-cut-off", "removing a voter while it is cut off, so that it never learns of it, then reconnecting it", planRemoveCutOff)},
	{Name: "scenario-single-server-change", Group: "membership", Start: startSingleServerBug},
}

// churnStep is one change of a plan, proposed once ready says its moment
// has come (nil: at once).
type churnStep struct {
	change MembershipChange
	ready  func() bool
	// before runs just before the change is proposed, after once it has
	// committed (nil: nothing).
	before, after func()
}

// churn is one membership fault in force.
type churn struct {
	sc      *scenario
	kind    string
	plan    []churnStep
	pending *churnStep // proposed, not yet seen committed
	// deadline bounds the wait for the plan's next step.
	deadline time.Duration
	// removed are the nodes this fault took out, to add back at the heal.
	removed []string
}

// planner draws the steps of the next change from the configuration in
// force; nil is nothing to do now.
type planner func(ch *churn, cfg Configuration, leader string) []churnStep

func startChurn(kind, what string, plan planner) func(env *Env) (Action, func(), error) {
	return func(env *Env) (Action, func(), error) {
		cfg, cfgErr := env.Target.Configuration()
		if errors.Is(cfgErr, ErrUnsupported) {
			return Action{}, nil, cfgErr
		}
		ch := &churn{kind: kind}
		act, heal, err := startScenario(env, kind, what, func(sc *scenario) {
			ch.sc = sc
			ch.poll(plan)
		})
		if err != nil {
			return act, heal, err
		}
		if cfgErr == nil {
			act.Description += "; configuration " + cfg.String()
		}
		return act, func() {
			heal()
			ch.restore(env)
		}, nil
	}
}

// poll advances the plan: it waits for the pending change to commit, then
// for the next step's moment, and draws a new plan a while after the last.
func (ch *churn) poll(plan planner) {
	env, sc := ch.sc.env, ch.sc
	t := env.Target
	l, lst, ok := sc.leader()
	if !ok {
		return
	}
	et := lst.ElectionTimeout
	cfg, err := t.Configuration()
	if err != nil {
		return
	}
	if ch.pending != nil {
		if !settled(cfg) || !applied(cfg, ch.pending.change) {
			if t.Now() >= ch.deadline {
				env.step(ch.kind, "the change "+ch.pending.change.String()+" did not commit in time; configuration "+cfg.String(), nil)
				ch.pending, ch.plan = nil, nil
				sc.coolDown(et, 10, 30)
			}
			return
		}
		env.step(ch.kind, "configuration now "+cfg.String(), changedNodes(ch.pending.change))
		if ch.pending.after != nil {
			ch.pending.after()
		}
		ch.pending = nil
		if len(ch.plan) == 0 {
			sc.coolDown(et, 10, 40)
			return
		}
	}
	if !settled(cfg) {
		return
	}
	if len(ch.plan) == 0 {
		ch.plan = plan(ch, cfg, env.name(l))
		if len(ch.plan) == 0 {
			sc.coolDown(et, 5, 20)
			return
		}
		ch.deadline = t.Now() + 30*et
	}
	next := ch.plan[0]
	if next.ready != nil && !next.ready() {
		if t.Now() >= ch.deadline {
			env.step(ch.kind, "gave up waiting to "+next.change.String(), nil)
			ch.plan = nil
			sc.coolDown(et, 10, 30)
		}
		return
	}
	if !enoughVoters(cfg, next.change) {
		ch.plan = nil
		sc.coolDown(et, 5, 20)
		return
	}
	if !quorumSafe(env, cfg, next.change) {
		if t.Now() >= ch.deadline {
			ch.plan = nil
			sc.coolDown(et, 5, 20)
		}
		return
	}
	if next.before != nil {
		next.before()
		next.before = nil // once, though the proposal may be retried
		ch.plan[0].before = nil
	}
	if err := t.ChangeMembership(next.change); err != nil {
		return // no leader now, or a change of its own pending: later
	}
	ch.plan = ch.plan[1:]
	ch.pending = &next
	ch.deadline = t.Now() + 60*et
	for _, n := range next.change.Remove {
		if !slices.Contains(ch.removed, n) {
			ch.removed = append(ch.removed, n)
		}
	}
	env.step(ch.kind, "propose "+next.change.String()+" to "+env.name(l)+", from "+cfg.String(), changedNodes(next.change))
}

// restore adds back, as voters and one at a time, the nodes the fault
// removed that are out of the configuration, for up to 300 election
// timeouts: the heal of a membership fault.
func (ch *churn) restore(env *Env) {
	if len(ch.removed) == 0 {
		return
	}
	t := env.Target
	var et time.Duration
	if l, ok := leaderNode(env); ok {
		if st, err := t.Status(env.name(l)); err == nil {
			et = st.ElectionTimeout
		}
	}
	if et == 0 {
		et = 100 * time.Millisecond
	}
	deadline := t.Now() + 300*et
	var tick func()
	tick = func() {
		if t.Now() >= deadline {
			return
		}
		cfg, err := t.Configuration()
		if err == nil && settled(cfg) {
			var out []string
			for _, n := range ch.removed {
				if !cfg.IsVoter(n) && !env.repairing[n] {
					out = append(out, n)
				}
			}
			if len(out) == 0 {
				return
			}
			add := MembershipChange{AddVoters: out[:1]}
			if quorumSafe(env, cfg, add) && t.ChangeMembership(add) == nil {
				env.step(ch.kind, "heal: propose "+add.String()+", from "+cfg.String(), out[:1])
			}
		}
		t.After(10*time.Millisecond, tick)
	}
	t.After(0, tick)
}

// settled says no change is in progress: the latest has committed and
// the configuration is not joint.
func settled(cfg Configuration) bool { return cfg.Committed && len(cfg.Outgoing) == 0 }

// applied says the configuration reflects the change.
func applied(cfg Configuration, c MembershipChange) bool {
	for _, n := range c.AddVoters {
		if !slices.Contains(cfg.Voters, n) {
			return false
		}
	}
	for _, n := range c.AddLearners {
		if !slices.Contains(cfg.Learners, n) {
			return false
		}
	}
	for _, n := range c.Remove {
		if cfg.IsMember(n) {
			return false
		}
	}
	return true
}

func changedNodes(c MembershipChange) []string {
	return slices.Concat(c.AddVoters, c.AddLearners, c.Remove)
}

// quorumSafe is the rule every change obeys (membershipKinds): a majority
// of the voters before the change and after it are running, and the
// change leaves at least three voters, or as many as there were.
func quorumSafe(env *Env, cfg Configuration, c MembershipChange) bool {
	return enoughVoters(cfg, c) && mostlyUp(env, cfg.Voters) && mostlyUp(env, votersAfter(cfg, c))
}

// enoughVoters says the change leaves three voters at least, or no fewer
// than there are.
func enoughVoters(cfg Configuration, c MembershipChange) bool {
	after := len(votersAfter(cfg, c))
	return after > 0 && after >= min(3, len(cfg.Voters))
}

// votersAfter are the voters once the change is made.
func votersAfter(cfg Configuration, c MembershipChange) []string {
	var out []string
	for _, n := range cfg.Voters {
		if !slices.Contains(c.Remove, n) {
			out = append(out, n)
		}
	}
	for _, n := range c.AddVoters {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// mostlyUp says a majority of the nodes are running and not paused.
func mostlyUp(env *Env, nodes []string) bool {
	up := 0
	for _, n := range nodes {
		if env.Target.State(n) == NodeUp {
			up++
		}
	}
	return up > len(nodes)/2
}

// outside are the nodes in neither half nor among the learners, in the
// target's order, but for those whose disks are being replaced: the
// repair brings them back itself, once they have caught up.
func outside(env *Env, cfg Configuration) []string {
	var out []string
	for _, n := range env.Target.Nodes() {
		if !cfg.IsMember(n) && !env.repairing[n] {
			out = append(out, n)
		}
	}
	return out
}

// pickName draws one of names, "" if there are none.
func pickName(env *Env, names []string) string {
	if len(names) == 0 {
		return ""
	}
	return names[env.Rand.Below(uint64(len(names)))]
}

// joint draws whether a single change of voters goes through a joint
// configuration anyway (one time in four).
func joint(env *Env) bool { return env.Rand.Below(4) == 0 }

func planRemove(ch *churn, cfg Configuration, leader string) []churnStep {
	env := ch.sc.env
	n := pickName(env, withoutName(cfg.Voters, leader))
	if n == "" {
		return nil
	}
	return []churnStep{{change: MembershipChange{Remove: []string{n}, Joint: joint(env)}}}
}

func planRemoveLeader(ch *churn, cfg Configuration, leader string) []churnStep {
	if !slices.Contains(cfg.Voters, leader) {
		return nil
	}
	return []churnStep{{change: MembershipChange{Remove: []string{leader}, Joint: joint(ch.sc.env)}}}
}

func planReplace(ch *churn, cfg Configuration, leader string) []churnStep {
	env := ch.sc.env
	in := pickName(env, outside(env, cfg))
	if in == "" {
		return nil
	}
	// The leader itself is replaced one time in three.
	out := leader
	if env.Rand.Below(3) != 0 || !slices.Contains(cfg.Voters, leader) {
		out = pickName(env, withoutName(cfg.Voters, leader))
	}
	if out == "" {
		return nil
	}
	change := MembershipChange{AddVoters: []string{in}, Remove: []string{out}}
	// One time in three, two at once: the halves of the joint
	// configuration then share fewer voters, and an entry one half holds
	// is less likely to be on a majority of the other.
	if env.Rand.Below(3) == 0 {
		in2 := pickName(env, withoutName(outside(env, cfg), in))
		out2 := pickName(env, withoutName(withoutName(cfg.Voters, leader), out))
		if in2 != "" && out2 != "" {
			change.AddVoters = append(change.AddVoters, in2)
			change.Remove = append(change.Remove, out2)
		}
	}
	return []churnStep{{change: change}}
}

func planLearner(ch *churn, cfg Configuration, leader string) []churnStep {
	env := ch.sc.env
	n := pickName(env, outside(env, cfg))
	if n == "" {
		// Promote a learner already there, if any.
		var learners []string
		for _, l := range cfg.Learners {
			if !env.repairing[l] { // a repair promotes its own once caught up
				learners = append(learners, l)
			}
		}
		if n = pickName(env, learners); n == "" {
			return nil
		}
		return []churnStep{{change: MembershipChange{AddVoters: []string{n}, Joint: joint(env)}}}
	}
	// Promote once the learner's commit index has reached the leader's
	// at the moment it joined, and then only after a hold of up to 30
	// election timeouts: a learner that stays a learner is what a Raft
	// that counts learners in its quorum needs to be caught.
	var target uint64
	var promoteAt time.Duration
	caughtUp := func() bool {
		t := env.Target
		if target == 0 {
			if st, err := t.Status(leader); err == nil {
				target = max(st.Commit, 1)
				promoteAt = t.Now() + time.Duration(env.Rand.Between(0, 30))*st.ElectionTimeout
			}
			return false
		}
		st, err := t.Status(n)
		return err == nil && st.Commit >= target && t.Now() >= promoteAt
	}
	return []churnStep{
		{change: MembershipChange{AddLearners: []string{n}}},
		{change: MembershipChange{AddVoters: []string{n}, Joint: joint(env)}, ready: caughtUp},
	}
}

func planRejoin(ch *churn, cfg Configuration, leader string) []churnStep {
	env := ch.sc.env
	n := pickName(env, withoutName(cfg.Voters, leader))
	if n == "" {
		return nil
	}
	return []churnStep{
		{change: MembershipChange{Remove: []string{n}}},
		{change: MembershipChange{AddVoters: []string{n}}},
	}
}

// planRemoveCutOff cuts a voter off, removes it, and reconnects it 2–5
// election timeouts after the removal committed: it never received the
// change, so it still believes itself a voter, campaigns, and asks the
// members for votes in ever higher terms (etcd-io/etcd#11038), which they
// must ignore. The churn's heal adds it back.
func planRemoveCutOff(ch *churn, cfg Configuration, leader string) []churnStep {
	env := ch.sc.env
	n := pickName(env, withoutName(cfg.Voters, leader))
	if n == "" {
		return nil
	}
	cutOff := nodeNamed(env, n)
	sc := ch.sc
	return []churnStep{{
		change: MembershipChange{Remove: []string{n}},
		before: func() {
			all := allNodes(env)
			if _, err := setLinks(env, all, func(i, j int) bool { return (all[i] == cutOff) == (all[j] == cutOff) }); err == nil {
				sc.cut = true
				env.step(ch.kind, "cut "+n+" off before removing it", []string{n})
			}
		},
		after: func() {
			et := 100 * time.Millisecond
			if st, err := env.Target.Status(env.Target.Nodes()[0]); err == nil {
				et = st.ElectionTimeout
			}
			env.Target.After(time.Duration(env.Rand.Between(2, 5))*et, func() {
				if sc.stopped || !sc.cut {
					return
				}
				healLinks(env)()
				sc.cut = false
				env.step(ch.kind, "reconnect "+n+", removed without knowing it", []string{n})
			})
		},
	}}
}

func planAny(ch *churn, cfg Configuration, leader string) []churnStep {
	plans := []planner{planRemove, planRemoveLeader, planReplace, planLearner, planRejoin, planRemoveCutOff}
	return plans[ch.sc.env.Rand.Below(uint64(len(plans)))](ch, cfg, leader)
}

func withoutName(names []string, drop string) []string {
	var out []string
	for _, n := range names {
		if n != drop {
			out = append(out, n)
		}
	}
	return out
}
