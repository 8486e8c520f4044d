package workloads

import (
	"fmt"
	"sort"
	"strings"
)

// Workload is what a run's clients do: how each next operation is drawn,
// and which reads end the run once faults are healed.
type Workload struct {
	// Name is the workload's name: register, counter, set or append.
	Name string
	// Model names the linearizability model that checks it.
	Model string
	// Next draws the next operation on key.
	Next func(r Rand, keys *Keys, key string) Op
	// Final are the reads that end the run on key.
	Final func(key string) []Op
}

// The workloads by name.
var workloads = map[string]Workload{
	"register": {
		Name:  "register",
		Model: "register",
		Next: func(r Rand, keys *Keys, key string) Op {
			switch r.Below(5) {
			case 0, 1:
				return Op{F: "read", Key: key}
			case 2, 3:
				return Op{F: "write", Key: key, Value: keys.NextValue(key)}
			default:
				// Expect one of the last few values written, so that some
				// cas operations succeed and some fail.
				cur := keys.values[key]
				old := cur - int64(r.Below(3))
				if old < 1 {
					old = 1
				}
				return Op{F: "cas", Key: key, Old: old, Value: keys.NextValue(key)}
			}
		},
		Final: func(key string) []Op { return []Op{{F: "read", Key: key}} },
	},
	"counter": {
		Name:  "counter",
		Model: "counter",
		Next: func(r Rand, _ *Keys, key string) Op {
			if r.Below(4) == 0 {
				return Op{F: "count", Key: key}
			}
			return Op{F: "incr", Key: key}
		},
		Final: func(key string) []Op { return []Op{{F: "count", Key: key}} },
	},
	"set": {
		Name:  "set",
		Model: "set",
		Next: func(r Rand, keys *Keys, key string) Op {
			if r.Below(8) == 0 {
				return Op{F: "members", Key: key}
			}
			return Op{F: "add", Key: key, Value: keys.NextValue(key)}
		},
		Final: func(key string) []Op { return []Op{{F: "members", Key: key}} },
	},
	"append": {
		Name:  "append",
		Model: "list-append",
		Next: func(r Rand, keys *Keys, key string) Op {
			if r.Below(3) == 0 {
				return Op{F: "list", Key: key}
			}
			return Op{F: "append", Key: key, Value: keys.NextValue(key)}
		},
		Final: func(key string) []Op { return []Op{{F: "list", Key: key}} },
	},
}

// Lookup finds a workload by name.
func Lookup(name string) (Workload, error) {
	w, ok := workloads[name]
	if !ok {
		return Workload{}, fmt.Errorf("unknown workload %q (want %s)", name, strings.Join(Names(), ", "))
	}
	return w, nil
}

// Names lists the workloads, sorted.
func Names() []string {
	var names []string
	for n := range workloads {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
