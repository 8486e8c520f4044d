package run_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"

	"raftcheck/checker"
	"raftcheck/harness/run"
	"raftcheck/nemesis"
)

// A world that removes members and runs without PreVote keeps CheckQuorum:
// without both, a removed node that keeps campaigning holds the cluster
// without a leader by Raft's design (thesis §4.2.3), and liveness would
// fail a correct Raft.
func TestSwarmWorldsThatRemoveMembersWithoutPreVoteKeepCheckQuorum(t *testing.T) {
	membership := func(kind string) bool {
		k, ok := nemesis.Lookup(kind)
		return ok && k.Group == "membership"
	}
	var drawn, withoutCheckQuorum int
	for seed := uint64(1); seed <= 2000; seed++ {
		cfg := run.DefaultConfig(seed)
		cfg.UseSwarmWorld(nil)
		if !cfg.Raft.CheckQuorum {
			withoutCheckQuorum++
		}
		if cfg.Raft.PreVote || !slices.ContainsFunc(cfg.Nemesis.Kinds, membership) {
			continue
		}
		drawn++
		assert.True(t, cfg.Raft.CheckQuorum, "seed %d: PreVote off, membership faults %v, CheckQuorum off", seed, cfg.Nemesis.Kinds)
	}
	assert.Positive(t, drawn, "no world without PreVote changes the membership")
	assert.Positive(t, withoutCheckQuorum, "CheckQuorum is never off")
}

// Swarm seeds that once failed on the bundled Raft by a world the swarm
// should not have drawn: each runs valid now.
func TestBundledSwarmSeedsThatFoundImpossibleWorlds(t *testing.T) {
	for _, tc := range []struct {
		seed uint64
		why  string
	}{
		// PreVote and CheckQuorum off, and a member removed while cut
		// off: after the heal its campaigns depose every leader, through
		// two nodes still behind on the change, for which it is a voter.
		{9100157, "a removed node campaigning without PreVote or CheckQuorum"},
	} {
		t.Run(tc.why, func(t *testing.T) {
			cfg := run.DefaultConfig(tc.seed)
			cfg.UseSwarmWorld(nil)
			cfg.Liveness = 100
			cfg.Trace = false
			_, rs := executeChecked(t, cfg)
			for check, r := range rs {
				assert.NotEqual(t, checker.Invalid, r.Valid, "%s: %s", check, r.Summary)
			}
		})
	}
}
