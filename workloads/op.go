package workloads

import "fmt"

// Op is an operation a generator draws: a function on a key, with the value
// it writes (Value) and, for a cas, the value it expects (Old). The
// function names are the history's f values.
type Op struct {
	F     string
	Key   string
	Value int64
	Old   int64
}

func (o Op) String() string {
	switch o.F {
	case "cas":
		return fmt.Sprintf("cas %s %d->%d", o.Key, o.Old, o.Value)
	case "write", "add", "append":
		return fmt.Sprintf("%s %s %d", o.F, o.Key, o.Value)
	}
	return o.F + " " + o.Key
}

// Rand is the randomness a generator needs; harness.Stream provides it.
type Rand interface {
	// Below draws uniformly from [0, n).
	Below(n uint64) uint64
}
