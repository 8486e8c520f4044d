package kv

import "sort"

// data is the per-key state of every type. Maps are only looked up, never
// iterated in an order that matters: reads of a set sort its members.
type data struct {
	registers map[string]int64
	counters  map[string]int64
	sets      map[string]map[int64]struct{}
	lists     map[string][]int64
}

func newData() data {
	return data{
		registers: map[string]int64{},
		counters:  map[string]int64{},
		sets:      map[string]map[int64]struct{}{},
		lists:     map[string][]int64{},
	}
}

// apply performs op and returns its result. It is deterministic: every
// replica that applies the same ops in the same order holds the same data
// and returns the same results.
func (d *data) apply(op Op) Result {
	switch op.F {
	case FRead:
		v, ok := d.registers[op.Key]
		return Result{OK: true, Present: ok, Value: v}
	case FWrite:
		d.registers[op.Key] = op.Value
		return Result{OK: true}
	case FCas:
		v, ok := d.registers[op.Key]
		if !ok || v != op.Old {
			return Result{OK: false, Present: ok, Value: v}
		}
		d.registers[op.Key] = op.Value
		return Result{OK: true}
	case FIncr:
		d.counters[op.Key]++
		return Result{OK: true, Present: true, Value: d.counters[op.Key]}
	case FCount:
		return Result{OK: true, Present: true, Value: d.counters[op.Key]}
	case FAdd:
		s := d.sets[op.Key]
		if s == nil {
			s = map[int64]struct{}{}
			d.sets[op.Key] = s
		}
		s[op.Value] = struct{}{}
		return Result{OK: true}
	case FMembers:
		s := d.sets[op.Key]
		members := make([]int64, 0, len(s))
		for v := range s {
			members = append(members, v)
		}
		sort.Slice(members, func(i, j int) bool { return members[i] < members[j] })
		return Result{OK: true, List: members}
	case FAppend:
		d.lists[op.Key] = append(d.lists[op.Key], op.Value)
		return Result{OK: true}
	case FList:
		l := d.lists[op.Key]
		return Result{OK: true, List: append(make([]int64, 0, len(l)), l...)}
	}
	return Result{}
}
