package results

import (
	"fmt"
	"strconv"

	"raftcheck/checker"
)

// maxMembershipRows bounds the table of configuration changes and
// snapshot installs.
const maxMembershipRows = 300

// membershipTable lists, in time order, each node's changes of
// configuration (the one in force, from the moment it enters its log) and
// each snapshot it installed from a leader: what a membership change or a
// catch-up by snapshot did to every node. It is empty for a run in which
// neither happened.
func membershipTable(samples []checker.RaftSample) table {
	t := table{ID: "raft-membership-table", Head: []string{"at", "node", "what", "detail"}}
	type seen struct {
		conf     string
		installs int
		ok       bool
	}
	last := map[string]seen{}
	total := 0
	for _, s := range samples { // in time order, as sampled
		prev := last[s.Node]
		if s.Conf == "" { // down: nothing to compare
			continue
		}
		add := func(what, detail string) {
			total++
			if len(t.Rows) < maxMembershipRows {
				t.Rows = append(t.Rows, []cell{{Text: dur(s.At)}, {Text: s.Node}, {Text: what}, {Text: detail}})
			}
		}
		if prev.ok && prev.conf != s.Conf {
			add("configuration", prev.conf+" → "+s.Conf)
		}
		if prev.ok && s.Installs > prev.installs {
			add("installed a snapshot", "log now starts after index "+strconv.FormatUint(s.Snapshot, 10))
		}
		last[s.Node] = seen{conf: s.Conf, installs: s.Installs, ok: true}
	}
	if total > maxMembershipRows {
		t.Note = fmt.Sprintf("The first %d of %s changes are listed; raft.jsonl has every sample.", maxMembershipRows, commas(total))
	}
	return t
}
