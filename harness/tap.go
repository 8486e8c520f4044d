package harness

// Tap sees every message a node hands to the network and every message the
// network hands to a node, at the instant it happens. Oracles that judge
// what a node says (was the vote it just sent already durable? was the log
// it compared against the one it had?) need that instant: the receiver sees
// the message later, after the network has delayed or dropped it, and the
// sender's state may have moved on by then.
//
// A tap must not send, schedule or otherwise change the world; it may stop
// it (World.Stop) with what it found.
type Tap interface {
	// Sent is called when the node at from sends payload to to, before
	// the network decides its fate (a cut link or a loss still counts:
	// the node said it).
	Sent(from, to Addr, payload any)
	// Delivered is called when payload from from reaches the node at to,
	// just before the node receives it.
	Delivered(from, to Addr, payload any)
}

// AddTap adds a tap; taps are told in the order they were added.
func (w *World) AddTap(t Tap) { w.taps = append(w.taps, t) }
