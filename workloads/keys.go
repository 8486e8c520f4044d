package workloads

import "strconv"

// Keys is the set of keys a run spreads its operations over, as Jepsen's
// independent keys: a fixed number are active at a time, and a key that has
// taken its share of operations is retired and a fresh one takes its place.
// Retiring keys keeps each key's history short, which keeps checking it
// tractable: an info operation stays concurrent with everything after it on
// its key, and a key that collects many makes the search explode.
//
// Keys also hand out values unique per key (1, 2, 3, ...), so that a read
// names the write it saw.
type Keys struct {
	active  []string
	ops     []int
	perKey  int
	next    int
	values  map[string]int64
	allKeys []string
	// used are the keys that have had an operation, in order of first use.
	used     []string
	usedKeys map[string]bool
	// retired are the keys that took their share and will be picked no
	// more.
	retired map[string]bool
}

// NewKeys returns n active keys, each retired after perKey operations
// (0: never).
func NewKeys(n, perKey int) *Keys {
	k := &Keys{perKey: perKey, values: map[string]int64{}}
	for i := 0; i < n; i++ {
		k.active = append(k.active, k.fresh())
		k.ops = append(k.ops, 0)
	}
	return k
}

func (k *Keys) fresh() string {
	k.next++
	key := "k" + strconv.Itoa(k.next)
	k.allKeys = append(k.allKeys, key)
	return key
}

// Pick draws an active key for the next operation, retiring it when it has
// had its share.
func (k *Keys) Pick(r Rand) string {
	i := int(r.Below(uint64(len(k.active))))
	key := k.active[i]
	if !k.usedKeys[key] {
		if k.usedKeys == nil {
			k.usedKeys = map[string]bool{}
		}
		k.usedKeys[key] = true
		k.used = append(k.used, key)
	}
	k.ops[i]++
	if k.perKey > 0 && k.ops[i] >= k.perKey {
		if k.retired == nil {
			k.retired = map[string]bool{}
		}
		k.retired[key] = true
		k.active[i] = k.fresh()
		k.ops[i] = 0
	}
	return key
}

// Retired reports whether key took its share and will be picked no more.
func (k *Keys) Retired(key string) bool { return k.retired[key] }

// NextValue is a value never used before on key.
func (k *Keys) NextValue(key string) int64 {
	k.values[key]++
	return k.values[key]
}

// All is every key ever handed out, in the order they were created.
func (k *Keys) All() []string { return append([]string(nil), k.allKeys...) }

// Used are the keys that have had an operation, in the order of their first:
// the only keys final reads need to read.
func (k *Keys) Used() []string { return append([]string(nil), k.used...) }
