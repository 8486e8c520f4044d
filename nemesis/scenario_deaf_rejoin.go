package nemesis

import (
	"fmt"
	"time"
)

// startDeafRejoin plays the disruptive rejoin of thesis §4.2.3 against a
// leader's lease. It makes one follower deaf (every other node still hears
// it) until it campaigns into a later term; without PreVote it does so
// within two election timeouts. Then it lets the follower hear again: its
// first answer to the leader carries the later term, which moves the
// leader, still inside its lease, to that term with no leader and no vote.
// The other followers heard the leader until that moment, hold its whole
// log, and are the next to time out; the first of them asks for votes in
// exactly the term the old leader now holds. A node that honours its lease
// refuses (with CheckQuorum); one that checks the lease only for later
// terms grants, and a lease read the old leader served a moment before can
// be overtaken.
//
// Such a request reaches the old leader inside its lease only when the
// follower's timeout is shorter than the lease the leader has left. So,
// where the world lets clocks drift, the leader's clock runs slow by
// DriftPPM and the others' fast by as much (as in scenario-lease-edge), and the race is won most of the time.
//
// With PreVote on, the deaf follower never gets the answers it needs to
// move its term, so an attempt that sees no campaign within three
// election timeouts gives the follower its hearing back and waits long
// before it tries again.
func startDeafRejoin(env *Env) (Action, func(), error) {
	const kind = "scenario-deaf-rejoin"
	drift := min(env.Params.DriftPPM, MaxDriftPPM)
	if _, _, err := env.Target.Clock(env.name(0)); err != nil {
		drift = 0
	}
	phase := 0
	var deaf node
	var term uint64
	var at, et time.Duration
	clocks := &leaderSkew{env: env}
	unskew := clocks.undo
	// skew slows the leader's clock and speeds every other, or sets none
	// when one of them is taken by another clock fault.
	skew := func(l node) {
		if drift > 0 && clocks.apply(l, drift) {
			env.step(kind, fmt.Sprintf("slow the leader's clock by %d ppm, speed the others", drift), nodeNames(env, []node{l}))
		}
	}
	hear := func(sc *scenario) {
		for _, o := range without(allNodes(env), []node{deaf}) {
			_ = env.Target.Connect(env.name(o), env.name(deaf))
		}
		sc.cut = false
	}
	act, heal, err := startScenario(env, kind, "deafening a follower until it campaigns, then letting its later term reach the leader inside its lease", func(sc *scenario) {
		t := env.Target
		switch phase {
		case 0:
			l, st, f, ok := sc.leaderAndFollower()
			if !ok {
				return
			}
			deaf = f
			for _, o := range without(allNodes(env), []node{deaf}) {
				if t.Cut(env.name(o), env.name(deaf)) != nil {
					hear(sc)
					sc.coolDown(st.ElectionTimeout, 10, 30)
					return
				}
			}
			sc.cut = true
			skew(l)
			term, et = st.Term, st.ElectionTimeout
			phase, at = 1, t.Now()+3*et
			env.step(kind, fmt.Sprintf("deafen a follower of the leader of term %d", term), nodeNames(env, []node{deaf}))
		case 1:
			fs, ok := sc.status(deaf)
			switch {
			case ok && fs.Term > term:
				hear(sc)
				phase, at = 2, t.Now()+3*et
				env.step(kind, fmt.Sprintf("let the follower, now in term %d, hear the leader again", fs.Term), nodeNames(env, []node{deaf}))
			case t.Now() >= at:
				hear(sc)
				unskew()
				phase = 0
				env.step(kind, "the follower never moved its term: give it its hearing back", nodeNames(env, []node{deaf}))
				sc.coolDown(et, 100, 300)
			}
		case 2:
			if t.Now() < at {
				return
			}
			unskew()
			phase = 0
			env.step(kind, "put the clocks back to a true rate", nil)
			sc.coolDown(et, 2, 10)
		}
	})
	if err != nil {
		return act, heal, err
	}
	return act, func() { heal(); unskew() }, nil
}
