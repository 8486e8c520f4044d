package harness

import "time"

// eventKind says what an event does when it is popped.
type eventKind uint8

const (
	eventDeliver eventKind = iota // a message reaches its destination endpoint
	eventTimer                    // a timer set by an endpoint fires
	eventSync                     // an fsync on an endpoint's disk completes
	eventCall                     // a function scheduled with World.At runs
)

// event is one entry of the queue. It is a plain value, kept in the heap's
// slice, so that scheduling allocates nothing in the steady state.
type event struct {
	at    time.Duration
	seq   uint64 // order of scheduling: breaks ties between equal times
	kind  eventKind
	to    Addr   // the endpoint the event is for (all kinds but eventCall)
	from  Addr   // eventDeliver: the sender
	epoch uint32 // the incarnation of `to` the event belongs to
	id    uint64 // message id, timer id or sync id
	tag   uint64 // eventTimer: the tag given to SetTimer
	msg   any    // eventDeliver: the payload
	fn    func() // eventCall
}

// eventQueue is a min-heap of events ordered by (at, seq). Sequence
// numbers are unique, so the order is total and a run never depends on how
// the heap breaks ties.
//
// The heap holds small keys without pointers; the events themselves stay
// put in slots, reused through a free list. Sifting then moves 24 bytes
// with no write barriers instead of a whole event with its payload.
type eventQueue struct {
	heap  []eventKey
	slots []event
	free  []uint32
}

// arity is the heap's fan-out: a four-ary heap is half as deep as a binary
// one, and a pop, the commonest operation, walks down it once.
const arity = 4

// eventKey is an event's place in the order and the slot that holds it.
type eventKey struct {
	at   time.Duration
	seq  uint64
	slot uint32
}

func (k *eventKey) before(o *eventKey) bool {
	if k.at != o.at {
		return k.at < o.at
	}
	return k.seq < o.seq
}

func (q *eventQueue) Len() int { return len(q.heap) }

func (q *eventQueue) push(e event) {
	var slot uint32
	if n := len(q.free); n > 0 {
		slot = q.free[n-1]
		q.free = q.free[:n-1]
		q.slots[slot] = e
	} else {
		slot = uint32(len(q.slots))
		q.slots = append(q.slots, e)
	}
	q.heap = append(q.heap, eventKey{at: e.at, seq: e.seq, slot: slot})
	h := q.heap
	i := len(h) - 1
	for i > 0 {
		parent := (i - 1) / arity
		if !h[i].before(&h[parent]) {
			break
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
}

// peek returns the earliest event; the queue must not be empty.
func (q *eventQueue) peek() *event { return &q.slots[q.heap[0].slot] }

// pop removes and returns the earliest event; the queue must not be empty.
func (q *eventQueue) pop() event {
	h := q.heap
	slot := h[0].slot
	top := q.slots[slot]
	q.slots[slot] = event{} // drop references so payloads can be collected
	q.free = append(q.free, slot)
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	i := 0
	for {
		first := arity*i + 1
		if first >= len(h) {
			break
		}
		least := first
		for c := first + 1; c < min(first+arity, len(h)); c++ {
			if h[c].before(&h[least]) {
				least = c
			}
		}
		if !h[least].before(&h[i]) {
			break
		}
		h[i], h[least] = h[least], h[i]
		i = least
	}
	q.heap = h
	return top
}
