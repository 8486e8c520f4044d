package nemesis

// leaderSkew skews the clocks against a leader's lease: the leader's runs
// slow by drift and every other runs fast by as much, a ratio of
// (1+drift)/(1-drift) between them. The directed scenarios that attack a
// lease share it; undo puts every rate back (never the clocks: a jump
// would break a lease's bound).
type leaderSkew struct {
	env *Env
	on  bool
}

// apply sets the rates, or none when some clock refuses (another clock
// fault holds it), and reports whether it set them.
func (k *leaderSkew) apply(leader node, drift PPM) bool {
	k.on = true
	for _, n := range allNodes(k.env) {
		rate := drift
		if n == leader {
			rate = -drift
		}
		if k.env.Target.SetClockRate(k.env.name(n), rate) != nil {
			k.undo()
			return false
		}
	}
	return true
}

// undo puts every clock back to its true rate, if apply set them.
func (k *leaderSkew) undo() {
	if !k.on {
		return
	}
	for _, n := range allNodes(k.env) {
		_ = k.env.Target.SetClockRate(k.env.name(n), 0)
	}
	k.on = false
}
