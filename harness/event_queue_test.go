package harness

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Events come out in (at, seq) order however pushes and pops interleave,
// and a popped event's slot is reused without disturbing the others.
func TestEventQueuePopsInOrder(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		r := rand.New(rand.NewPCG(seed, 0))
		var q eventQueue
		var seq uint64
		var last eventKey
		popped := 0
		for range 5000 {
			if q.Len() == 0 || r.IntN(3) != 0 {
				seq++
				// Times at or after the last popped, as the world schedules.
				at := last.at + time.Duration(r.IntN(50))
				q.push(event{at: at, seq: seq, id: seq})
				continue
			}
			e := q.pop()
			k := eventKey{at: e.at, seq: e.seq}
			require.False(t, k.before(&last), "popped %v after %v", k, last)
			require.Equal(t, e.seq, e.id, "the event's payload came from another slot")
			last = k
			popped++
		}
		for q.Len() > 0 {
			e := q.pop()
			k := eventKey{at: e.at, seq: e.seq}
			require.False(t, k.before(&last))
			require.Equal(t, e.seq, e.id)
			last = k
			popped++
		}
		require.Equal(t, int(seq), popped)
	}
}
