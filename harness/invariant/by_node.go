package invariant

// byNode maps node IDs to values, as a map[uint64]V would.
//
// The checker looks nodes up several times for every event it sees, and
// hashing those IDs was a tenth of its time (issue 16). Node IDs are small
// integers in every system it watches (1 to n, then the nodes added later),
// so IDs below denseNodeIDs index a slice; any other ID is kept in a map, so
// every ID works. Nothing ranges over a byNode: no order can leak from it.
type byNode[V any] struct {
	dense  []V
	set    []bool
	sparse map[uint64]V
}

// denseNodeIDs bounds the IDs kept in the slice, so that a system with
// large IDs costs a map, not a huge slice.
const denseNodeIDs = 256

// get is id's value and whether it has one.
func (t *byNode[V]) get(id uint64) (V, bool) {
	if id < uint64(len(t.dense)) {
		return t.dense[id], t.set[id]
	}
	if id < denseNodeIDs {
		var zero V
		return zero, false
	}
	v, ok := t.sparse[id]
	return v, ok
}

// at is id's value, the zero value if it has none.
func (t *byNode[V]) at(id uint64) V {
	v, _ := t.get(id)
	return v
}

// put sets id's value.
func (t *byNode[V]) put(id uint64, v V) {
	if id >= denseNodeIDs {
		if t.sparse == nil {
			t.sparse = map[uint64]V{}
		}
		t.sparse[id] = v
		return
	}
	if id >= uint64(len(t.dense)) {
		n := int(id) + 1
		t.dense = append(t.dense, make([]V, n-len(t.dense))...)
		t.set = append(t.set, make([]bool, n-len(t.set))...)
	}
	t.dense[id], t.set[id] = v, true
}

// del removes id's value.
func (t *byNode[V]) del(id uint64) {
	if id < uint64(len(t.dense)) {
		var zero V
		t.dense[id], t.set[id] = zero, false
		return
	}
	delete(t.sparse, id)
}

// entry is id's value in t, a new zero one if it had none.
func entry[V any](t *byNode[*V], id uint64) *V {
	v, ok := t.get(id)
	if !ok || v == nil {
		v = new(V)
		t.put(id, v)
	}
	return v
}
