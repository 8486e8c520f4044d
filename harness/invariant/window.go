package invariant

// window is a sequence indexed from 1 whose oldest elements the checker
// forgets: a day's run commits millions of entries, and what the checker
// keeps of each (its print, 24-40 bytes) would otherwise grow with the run
// (issue 16). Indexes at or below base are forgotten: at reports them
// absent, and the checks that would need them pass them by. keptIndexes is
// hours of a default run: far more than any message, fsync or crash spans,
// so a check never needs what it forgot but in a run longer than the
// limits of the simulation's own faults.
type window[T any] struct {
	base uint64
	s    []T
}

// keptIndexes is how many of the latest indexes a window keeps at least.
const keptIndexes = 1 << 20

// len is the highest index the window has held.
func (w *window[T]) len() uint64 { return w.base + uint64(len(w.s)) }

// at is the element at index i, if the window has it and has not
// forgotten it.
func (w *window[T]) at(i uint64) (*T, bool) {
	if i <= w.base || i > w.len() {
		return nil, false
	}
	return &w.s[i-1-w.base], true
}

// push appends the element of index len()+1, and forgets the oldest once
// the window holds twice keep of them, keeping keep: the copy is paid once
// every keep pushes.
func (w *window[T]) push(v T, keep int) {
	w.s = append(w.s, v)
	if len(w.s) >= 2*keep {
		drop := len(w.s) - keep
		w.s = append(make([]T, 0, 2*keep), w.s[drop:]...)
		w.base += uint64(drop)
	}
}
