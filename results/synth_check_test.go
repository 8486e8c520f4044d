package results

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
)

func TestSynthIsAValidRegisterHistory(t *testing.T) {
	s := newSynth(t, 3000, 10, 10, 1)
	require.NoError(t, s.history.Validate())
	s.check(t)
	for name, r := range s.run.Checkers {
		assert.Equal(t, checker.Valid, r.Valid, "%s: %s", name, r.Summary)
	}
}
