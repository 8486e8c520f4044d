package nemesis

import "fmt"

// packetKinds make the network misbehave for every message between any two
// endpoints: lose, delay, duplicate or reorder. Each owns one field of the
// LinkFaults in force and its heal clears that field alone, so that packet
// faults in force together heal independently, in any order.
var packetKinds = []Kind{
	{Name: "packet-loss", Group: "packet", Start: startPacket(packetField{
		what: "drop",
		set:  func(f *LinkFaults, p Params) (any, bool) { f.Loss = p.Loss; return p.Loss, p.Loss > 0 },
	})},
	{Name: "packet-delay", Group: "packet", Start: startPacket(packetField{
		what: "latency",
		set: func(f *LinkFaults, p Params) (any, bool) {
			f.Delay = p.DelaySpike
			return p.DelaySpike, !p.DelaySpike.IsZero()
		},
	})},
	{Name: "packet-duplicate", Group: "packet", Start: startPacket(packetField{
		what: "duplicate",
		set: func(f *LinkFaults, p Params) (any, bool) {
			f.Duplicate = p.Duplicate
			return p.Duplicate, p.Duplicate > 0
		},
	})},
	{Name: "packet-reorder", Group: "packet", Start: startPacket(packetField{
		what: "reorder",
		set:  func(f *LinkFaults, p Params) (any, bool) { f.Reorder = p.Reorder; return p.Reorder, p.Reorder > 0 },
	})},
}

// packetField is the one field of LinkFaults a packet fault owns.
type packetField struct {
	what string // the field's name in the history value
	// set writes the fault's value into the field and returns it; ok is
	// false when the parameters make it a no-op (a zero probability).
	set func(f *LinkFaults, p Params) (value any, ok bool)
}

func startPacket(field packetField) func(env *Env) (Action, func(), error) {
	return func(env *Env) (Action, func(), error) {
		faults := env.links
		v, ok := field.set(&faults, env.Params)
		if !ok {
			return Action{}, nil, ErrNothingToBreak
		}
		// An invalid parameter (a delay spike the target cannot draw
		// from) injects nothing rather than stopping the run.
		if err := env.Target.SetLinkFaults(faults); err != nil {
			return Action{}, nil, err
		}
		env.links = faults
		return Action{
				Description: fmt.Sprintf("network %s %v on every link", field.what, v),
				Value:       map[string]any{field.what: v},
				Nodes:       nodeNames(env, allNodes(env)),
			}, func() {
				// Setting the field from zero parameters clears it: the
				// target's own behaviour again. Clearing a fault the target
				// took cannot fail.
				field.set(&env.links, Params{})
				_ = env.Target.SetLinkFaults(env.links)
			}, nil
	}
}
