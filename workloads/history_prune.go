package workloads

import "raftcheck/checker"

// dropUnobservedInfo removes the indeterminate (info) additions whose value
// no read ever returned, for models whose reads show the whole collection
// (sets, lists). It is sound: such an addition may be linearized after every
// other operation of its key — it never returns, so any point after its
// invocation is allowed — where no read sees it and no other operation's
// legality depends on it; so the history with it is linearizable exactly
// when the history without it is. And it matters: every such operation
// would otherwise stay concurrent with everything after it, and a few of
// them on one key make the search explode.
func dropUnobservedInfo[I any](ops []checker.Op[I, []int64], value func(I) (int64, bool)) []checker.Op[I, []int64] {
	seen := map[string]map[int64]bool{}
	for _, op := range ops {
		if !op.Known {
			continue
		}
		for _, v := range op.Output {
			if seen[op.Key] == nil {
				seen[op.Key] = map[int64]bool{}
			}
			seen[op.Key][v] = true
		}
	}
	kept := ops[:0:0]
	for _, op := range ops {
		if v, adds := value(op.Input); adds && !op.Known && !seen[op.Key][v] {
			continue
		}
		kept = append(kept, op)
	}
	return kept
}
