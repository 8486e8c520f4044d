package nemesis

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// The disk faults that lose a disk: a bit flipped on it (Jepsen's and NATS's
// lesson: a checksum mismatch in the middle of a log is not a torn tail,
// and must stop the node, never be cut off or applied), and a disk
// replaced by an empty one. Either way the node must come back as a new
// member, and only by the operator's decision, never silently: the
// schedule takes it out of the configuration, wipes its disk, restarts it
// and adds it back in its old role, one step at a time, each noted.
var diskLossKinds = []Kind{
	{Name: "disk-corrupt", Group: "disk", Start: startDiskCorrupt},
	{Name: "disk-wipe", Group: "disk", Start: startDiskWipe},
}

// startDiskCorrupt crashes a running member, flips a bit of its disk where
// a checksum covers it, and restarts it: it must refuse to start (the
// system halts it). The heal is the operator's repair (replaceDisk).
func startDiskCorrupt(env *Env) (Action, func(), error) {
	const kind = "disk-corrupt"
	cfg, n, err := memberToLose(env)
	if err != nil {
		return Action{}, nil, err
	}
	t := env.Target
	if err := t.Crash(n); err != nil {
		return Action{}, nil, err
	}
	pick := env.Rand.Below(1<<63) | env.Rand.Below(2)<<63
	where, err := t.CorruptDisk(n, pick)
	if err != nil {
		_ = t.Restart(n)
		return Action{}, nil, err
	}
	if err := t.Restart(n); err != nil {
		return Action{}, nil, err
	}
	role := roleOf(cfg, n)
	heal := func() { replaceDisk(env, kind, n, role) }
	return Action{
		Description: fmt.Sprintf("flipped %s of %s and restarted it: it must refuse to start", where, n),
		Value:       diskLossValue{Node: n, Where: where},
		Nodes:       []string{n},
	}, heal, nil
}

// startDiskWipe replaces a running member's disk by an empty one, the
// operator's way: out of the configuration first, then wiped, restarted
// and added back (replaceDisk).
func startDiskWipe(env *Env) (Action, func(), error) {
	const kind = "disk-wipe"
	cfg, n, err := memberToLose(env)
	if err != nil {
		return Action{}, nil, err
	}
	replaceDisk(env, kind, n, roleOf(cfg, n))
	return Action{
		Description: fmt.Sprintf("replacing the disk of %s: removing it, wiping its disk, restarting it and adding it back", n),
		Value:       diskLossValue{Node: n},
		Nodes:       []string{n},
	}, func() {}, nil
}

// memberToLose is the settled configuration and a member whose disk it
// can lose (pickMember); ErrUnsupported on a target whose membership
// cannot change, ErrNothingToBreak when there is none now.
func memberToLose(env *Env) (Configuration, string, error) {
	cfg, err := env.Target.Configuration()
	if errors.Is(err, ErrUnsupported) {
		return cfg, "", err
	}
	if !env.Target.ReplacesDisks() {
		return cfg, "", fmt.Errorf("nemesis: a node that lost its disk may not rejoin as itself here: %w", ErrUnsupported)
	}
	if err != nil || !settled(cfg) {
		return cfg, "", ErrNothingToBreak
	}
	n, ok := pickMember(env, cfg)
	if !ok {
		return cfg, "", ErrNothingToBreak
	}
	return cfg, n, nil
}

// diskLossValue is the history value of a disk lost.
type diskLossValue struct {
	Node  string `json:"node"`
	Where string `json:"where,omitempty"`
}

// pickMember draws a running member, the leader one time in four, if the
// configuration can lose it: the voters after its removal keep a running
// majority and are at least two, and so do the voters now without it (a
// damaged disk stops the node before the repair removes it, and a node
// halted earlier may still count among the voters: losing a second one
// then would leave no quorum to repair either).
func pickMember(env *Env, cfg Configuration) (string, bool) {
	leader, _ := env.Target.Leader()
	var candidates []string
	for _, n := range slices.Concat(cfg.Voters, cfg.Learners) {
		if env.Target.State(n) != NodeUp || env.repairing[n] {
			continue
		}
		after := votersAfter(cfg, MembershipChange{Remove: []string{n}})
		if len(after) < 2 || !mostlyUp(env, after) || !mostlyUpWithout(env, cfg.Voters, n) {
			continue
		}
		candidates = append(candidates, n)
	}
	if len(candidates) == 0 {
		return "", false
	}
	if slices.Contains(candidates, leader) && env.Rand.Below(4) == 0 {
		return leader, true
	}
	if others := withoutName(candidates, leader); len(others) > 0 {
		return pickName(env, others), true
	}
	return pickName(env, candidates), true
}

// mostlyUpWithout says a majority of nodes are running with lost down.
func mostlyUpWithout(env *Env, nodes []string, lost string) bool {
	up := 0
	for _, n := range nodes {
		if n != lost && env.Target.State(n) == NodeUp {
			up++
		}
	}
	return up > len(nodes)/2
}

// roleOf is what node is in cfg: "voter", "learner" or "".
func roleOf(cfg Configuration, node string) string {
	switch {
	case cfg.IsVoter(node):
		return "voter"
	case cfg.IsMember(node):
		return "learner"
	}
	return ""
}

// replaceDisk is the operator's repair of node's disk, in steps on the
// target's clock (every 10 ms, for at most a minute): remove it from the
// configuration and wait for the removal to commit; crash it if it runs,
// wipe its disk and restart it, empty; add it back as a learner and, if it
// was a voter, promote it once its log has caught up ("" leaves it out),
// as an operator adds a new member. Each step is noted.
func replaceDisk(env *Env, kind, node, role string) {
	t := env.Target
	if env.repairing == nil {
		env.repairing = map[string]bool{}
	}
	if env.repairing[node] {
		return // another repair of it is under way
	}
	env.repairing[node] = true
	deadline := t.Now() + time.Minute
	step := 0
	var tick func()
	tick = func() {
		if t.Now() >= deadline {
			env.step(kind, fmt.Sprintf("gave up replacing the disk of %s at step %d", node, step), []string{node})
			delete(env.repairing, node)
			return
		}
		cfg, err := t.Configuration()
		if err != nil || !settled(cfg) {
			t.After(10*time.Millisecond, tick)
			return
		}
		switch step {
		case 0: // out of the configuration
			if !cfg.IsMember(node) {
				step = 1
				break
			}
			rm := MembershipChange{Remove: []string{node}}
			if after := votersAfter(cfg, rm); len(after) >= 1 && mostlyUp(env, after) && t.ChangeMembership(rm) == nil {
				env.step(kind, "remove "+node+" before replacing its disk, from "+cfg.String(), []string{node})
			}
		case 1: // wiped and restarted
			if cfg.IsMember(node) {
				step = 0 // added back meanwhile (a churn's heal): out first
				break
			}
			if t.State(node) != NodeDown {
				if err := t.Crash(node); err != nil {
					break
				}
			}
			if err := t.WipeDisk(node); err != nil {
				env.step(kind, "could not wipe "+node+": "+err.Error(), []string{node})
				delete(env.repairing, node)
				return
			}
			_ = t.Restart(node)
			env.step(kind, "wiped the disk of "+node+" and restarted it, empty; configuration "+cfg.String(), []string{node})
			step = 2
		case 2: // back in its role: a learner first, a voter once caught up
			var add MembershipChange
			switch {
			case role != "" && !cfg.IsMember(node):
				add.AddLearners = []string{node}
			case role == "voter" && !cfg.IsVoter(node):
				// An empty voter can hold up every election it cannot
				// win, and commits that need it: promote it only once
				// its log has reached the leader's commit.
				l, ok := t.Leader()
				lst, err1 := t.Status(l)
				nst, err2 := t.Status(node)
				if !ok || err1 != nil || err2 != nil || nst.Commit < lst.Commit {
					break
				}
				add.AddVoters = []string{node}
			default:
				env.step(kind, node+" is back; configuration "+cfg.String(), []string{node})
				delete(env.repairing, node)
				return
			}
			if len(add.AddVoters) > 0 && quorumSafe(env, cfg, add) || len(add.AddLearners) > 0 {
				if t.ChangeMembership(add) == nil {
					env.step(kind, "propose "+add.String()+", from "+cfg.String(), []string{node})
				}
			}
		}
		t.After(10*time.Millisecond, tick)
	}
	t.After(0, tick)
}
