package run_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/harness/kv"
	"raftcheck/harness/run"
)

// A lease read rests on followers that refuse votes for an election
// timeout, which Raft does only with CheckQuorum: the pair without it is
// refused before anything runs, through the Go API as on the command line.
func TestLeaseReadsWithoutCheckQuorumAreRefused(t *testing.T) {
	cfg := run.DefaultConfig(1)
	cfg.Server.ReadMode = kv.ReadLease
	cfg.Raft.CheckQuorum = false
	_, err := run.Execute(cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--read-mode lease needs CheckQuorum")

	cfg.Raft.CheckQuorum = true
	require.NoError(t, cfg.Validate())
	cfg.Server.ReadMode, cfg.Raft.CheckQuorum = kv.ReadIndex, false
	require.NoError(t, cfg.Validate(), "ReadIndex needs no CheckQuorum")
}
