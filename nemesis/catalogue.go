package nemesis

import "sort"

// catalogue lists every fault kind by name. Each kind lives in the file of
// its group (partition.go, ...).
var catalogue = map[string]Kind{}

func init() {
	for _, group := range [][]Kind{partitionKinds, killKinds, pauseKinds, clockKinds, packetKinds, diskKinds, diskLossKinds, scenarioKinds, membershipKinds, transferKinds} {
		for _, k := range group {
			catalogue[k.Name] = k
		}
	}
}

// Lookup finds a fault kind by name.
func Lookup(name string) (Kind, bool) {
	k, ok := catalogue[name]
	return k, ok
}

// Kinds lists every fault kind's name, sorted.
func Kinds() []string {
	out := make([]string, 0, len(catalogue))
	for name := range catalogue {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}
