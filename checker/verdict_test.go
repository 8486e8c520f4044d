package checker_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
)

func TestMergeTakesTheWorst(t *testing.T) {
	tests := []struct {
		in   []checker.Validity
		want checker.Validity
	}{
		{nil, checker.Valid},
		{[]checker.Validity{checker.Valid, checker.Valid}, checker.Valid},
		{[]checker.Validity{checker.Valid, checker.Unknown}, checker.Unknown},
		{[]checker.Validity{checker.Unknown, checker.Invalid, checker.Valid}, checker.Invalid},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, checker.Merge(tc.in...), "%v", tc.in)
	}
	rs := checker.Results{"a": {Valid: checker.Valid}, "b": {Valid: checker.Unknown}}
	assert.Equal(t, checker.Unknown, rs.Valid())
	assert.Equal(t, 2, rs.Valid().ExitCode())
}

func TestValidityJSON(t *testing.T) {
	for v, s := range map[checker.Validity]string{checker.Valid: "true", checker.Invalid: "false", checker.Unknown: `"unknown"`} {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		assert.Equal(t, s, string(b))
		var back checker.Validity
		require.NoError(t, json.Unmarshal(b, &back))
		assert.Equal(t, v, back)
	}
	var v checker.Validity
	assert.Error(t, json.Unmarshal([]byte(`"maybe"`), &v))
}
