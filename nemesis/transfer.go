package nemesis

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// transferKinds hand leadership over on purpose (thesis §3.10): a transfer
// to a voter now and then, and storms of them, every 50–300 ms, some to
// nodes that must be refused (a learner, a node outside the
// configuration). A transfer moves leadership with no election timeout,
// past every leader's lease, so what a lease or a stale leader must not
// serve is tested in the moments right after.
var transferKinds = []Kind{
	{Name: "transfer-leader", Group: "transfer", Start: startTransfer("transfer-leader", false)},
	{Name: "transfer-storm", Group: "transfer", Start: startTransfer("transfer-storm", true)},
}

func startTransfer(kind string, storm bool) func(env *Env) (Action, func(), error) {
	return func(env *Env) (Action, func(), error) {
		if err := env.Target.TransferLeadership(""); errors.Is(err, ErrUnsupported) {
			return Action{}, nil, err
		}
		what := "handing leadership to another voter every few election timeouts"
		if storm {
			what = "a storm of leadership transfers, every 50-300 ms, some to nodes that must be refused"
		}
		return startScenario(env, kind, what, func(sc *scenario) {
			l, st, ok := sc.leader()
			if !ok {
				return
			}
			t := env.Target
			cfg, err := t.Configuration()
			if err != nil {
				return
			}
			var to string
			refused := false
			if storm && env.Rand.Below(5) == 0 {
				// A node that cannot be elected: a learner, or one
				// outside the configuration.
				if others := slices.Concat(cfg.Learners, outside(env, cfg)); len(others) > 0 {
					to, refused = pickName(env, others), true
				}
			}
			if to == "" {
				to = pickName(env, withoutName(cfg.Voters, env.name(l)))
			}
			if to == "" {
				sc.coolDown(st.ElectionTimeout, 10, 30)
				return
			}
			err = t.TransferLeadership(to)
			switch {
			case refused && err == nil:
				env.step(kind, fmt.Sprintf("%s took a transfer to %s, which is not a voter of %s", env.name(l), to, cfg), []string{env.name(l), to})
			case refused:
				env.step(kind, fmt.Sprintf("%s refused a transfer to %s, not a voter: %v", env.name(l), to, err), []string{env.name(l), to})
			case err == nil:
				env.step(kind, fmt.Sprintf("%s hands its office (term %d) to %s", env.name(l), st.Term, to), []string{env.name(l), to})
				if !storm && env.Rand.Below(2) == 0 {
					isolateAfterHandover(sc, kind, l, nodeNamed(env, to), st.Term, st.ElectionTimeout)
				}
			}
			if storm {
				sc.wakeAt = t.Now() + time.Duration(env.Rand.Between(50, 300))*time.Millisecond
			} else {
				sc.coolDown(st.ElectionTimeout, 20, 60)
			}
		})
	}
}

// isolateAfterHandover waits, for up to an election timeout, for the old
// leader to have handed its office over and the target to campaign for the
// next term, then at once cuts the old leader off from the other nodes
// (not from its clients) for 1–2 election timeouts: the target is elected
// without it, and the old leader hears nothing of the new term, believes
// it leads, and is asked for reads. A leader that serves them from the
// lease it gave up, or that takes its lease back when the transfer times
// out, answers stale.
func isolateAfterHandover(sc *scenario, kind string, old, target node, term uint64, et time.Duration) {
	env := sc.env
	t := env.Target
	deadline := t.Now() + et
	var wait func()
	wait = func() {
		if sc.stopped || sc.cut {
			return
		}
		ost, err1 := t.Status(env.name(old))
		tst, err2 := t.Status(env.name(target))
		if err1 == nil && err2 == nil && ost.Role == Leader && ost.HandedOver && tst.Role != Follower && tst.Term > term {
			cutOldLeader(sc, kind, old, et)
			return
		}
		if t.Now() < deadline {
			t.After(pollEvery, wait)
		}
	}
	t.After(0, wait)
}

func cutOldLeader(sc *scenario, kind string, old node, et time.Duration) {
	env := sc.env
	all := allNodes(env)
	if _, err := setLinks(env, all, func(i, j int) bool { return (all[i] == old) == (all[j] == old) }); err != nil {
		healLinks(env)()
		return
	}
	sc.cut = true
	env.step(kind, "the old leader handed over: cut it off from the other nodes, not from its clients", nodeNames(env, []node{old}))
	env.Target.After(time.Duration(env.Rand.Between(10, 20))*et/10, func() {
		if sc.stopped || !sc.cut {
			return
		}
		healLinks(env)()
		sc.cut = false
		env.step(kind, "reconnect the old leader", nodeNames(env, []node{old}))
	})
}
