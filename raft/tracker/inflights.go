package tracker

// Inflights bounds the appends sent to one follower in StateReplicate that
// have not been acknowledged yet. Each entry is the last log index an
// in-flight MsgApp carried; since the leader sends in index order, the
// recorded indexes increase from the oldest to the newest.
//
// It is a fixed-size ring buffer: no allocation after creation.
type Inflights struct {
	start  int      // position of the oldest in-flight index
	count  int      // number of in-flight indexes
	buffer []uint64 // capacity == the bound
}

// NewInflights returns an empty Inflights that holds at most size appends.
func NewInflights(size int) *Inflights {
	return &Inflights{buffer: make([]uint64, size)}
}

// Add records an append whose last entry is index. The caller must check
// Full first; adding to a full window, or adding an index not larger than
// the newest one, breaks the invariants and is refused by returning false.
func (in *Inflights) Add(index uint64) bool {
	if in.Full() {
		return false
	}
	if in.count > 0 && index <= in.buffer[in.slot(in.count-1)] {
		return false
	}
	in.buffer[in.slot(in.count)] = index
	in.count++
	return true
}

// FreeLE forgets every in-flight append whose last index is <= index: the
// follower acknowledged index, and since appends are applied in log order an
// ack for index covers every append that ended at or before it.
func (in *Inflights) FreeLE(index uint64) {
	for in.count > 0 && in.buffer[in.start] <= index {
		in.start = (in.start + 1) % len(in.buffer)
		in.count--
	}
	if in.count == 0 {
		in.start = 0
	}
}

// FreeFirstOne forgets the oldest in-flight append. The leader does this when
// a heartbeat response arrives while the window is full: the follower is
// alive, so something in the window was probably lost, and freeing one slot
// lets one more append through to provoke a rejection that resynchronises.
func (in *Inflights) FreeFirstOne() {
	if in.count == 0 {
		return
	}
	in.FreeLE(in.buffer[in.start])
}

// Full reports whether no more appends may be sent.
func (in *Inflights) Full() bool { return in.count == len(in.buffer) }

// Count is the number of appends in flight.
func (in *Inflights) Count() int { return in.count }

// Cap is the bound given at creation.
func (in *Inflights) Cap() int { return len(in.buffer) }

// Reset forgets everything in flight.
func (in *Inflights) Reset() {
	in.start, in.count = 0, 0
}

func (in *Inflights) slot(i int) int {
	return (in.start + i) % len(in.buffer)
}
