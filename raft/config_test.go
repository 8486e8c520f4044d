package raft

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		change  func(c *Config)
		wantErr string // "" means valid
	}{
		{"defaults are valid", func(c *Config) {}, ""},
		{"zero ID", func(c *Config) { c.ID = 0 }, "ID must not be 0"},
		{"no peers", func(c *Config) { c.Peers = nil }, "Peers is empty"},
		{"peer zero", func(c *Config) { c.Peers = []uint64{1, 0} }, "Peers contains 0"},
		{"duplicate peer", func(c *Config) { c.Peers = []uint64{1, 2, 2} }, "Peers contains 2 twice"},
		{"zero heartbeat", func(c *Config) { c.HeartbeatTick = 0 }, "HeartbeatTick must be > 0"},
		{"election not above heartbeat", func(c *Config) { c.ElectionTick = 1 }, "ElectionTick (1) must be greater than HeartbeatTick (1)"},
		{"zero inflight", func(c *Config) { c.MaxInflightMsgs = 0 }, "MaxInflightMsgs must be > 0"},
		{"zero batch", func(c *Config) { c.MaxEntriesPerMsg = 0 }, "MaxEntriesPerMsg must be > 0"},
		{"no rand", func(c *Config) { c.Rand = nil }, "Rand is nil"},
		{"vote without term", func(c *Config) { c.HardState = HardState{Vote: 2} }, "Vote 2 but Term 0"},
		{"log not from 1", func(c *Config) {
			c.HardState.Term = 1
			c.Entries = []Entry{{Index: 2, Term: 1}}
		}, "Entries[0] has index 2, want 1"},
		{"log with a gap", func(c *Config) {
			c.HardState.Term = 1
			c.Entries = []Entry{{Index: 1, Term: 1}, {Index: 3, Term: 1}}
		}, "Entries[1] has index 3, want 2"},
		{"entry of term 0", func(c *Config) { c.Entries = []Entry{{Index: 1}} }, "entry 1 has term 0"},
		{"decreasing terms", func(c *Config) {
			c.HardState.Term = 2
			c.Entries = entries(2, 1)
		}, "entry 2 has term 1, lower than the previous entry's 2"},
		{"entry beyond the term", func(c *Config) {
			c.HardState.Term = 1
			c.Entries = entries(1, 2)
		}, "entry 2 has term 2, above HardState.Term 1"},
		{"applied beyond commit", func(c *Config) {
			c.HardState = HardState{Term: 1, Commit: 1}
			c.Entries = entries(1, 1)
			c.Applied = 2
		}, "Applied 2 is beyond the commit index 1"},
		{"applied beyond the log", func(c *Config) {
			c.HardState = HardState{Term: 1, Commit: 5}
			c.Entries = entries(1)
			c.Applied = 3
		}, "last durable entry 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testOptions{}.config(1, ids(3))
			tt.change(&cfg)
			_, err := NewRawNode(cfg)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalidConfig)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}
