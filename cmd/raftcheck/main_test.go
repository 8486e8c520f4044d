package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBadInputGetsOneLineAndExitThree(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "usage"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"demo", "--nodes", "x"}, `invalid value "x"`},
		{[]string{"demo", "--nodes", "1"}, "--nodes must be between 2 and 64"},
		{[]string{"demo", "--time", "-1s"}, "--time must be positive"},
		{[]string{"demo", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"demo", "extra"}, `unexpected argument "extra"`},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := dispatch(tc.args, &stdout, &stderr)
			assert.Equal(t, exitError, code)
			assert.Contains(t, stderr.String(), tc.want)
			if len(tc.args) > 0 {
				assert.Equal(t, 1, strings.Count(stderr.String(), "\n"), "one line: %q", stderr.String())
			}
		})
	}
}

func TestDemoIsReproducible(t *testing.T) {
	dir := t.TempDir()
	run := func(name string) string {
		var stdout, stderr bytes.Buffer
		code := dispatch([]string{"demo", "--seed", "11", "--time", "1s", "--trace", filepath.Join(dir, name)}, &stdout, &stderr)
		require.Equal(t, exitValid, code, stderr.String())
		assert.Contains(t, stdout.String(), "SEED=11\n")
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		require.NotEmpty(t, b)
		return string(b)
	}
	assert.Equal(t, run("a.txt"), run("b.txt"))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "no temporary file is left behind")
}

func TestHelpListsACommandsFlagsAndExitsZero(t *testing.T) {
	for _, c := range commands() {
		var stdout, stderr bytes.Buffer
		code := dispatch([]string{c.name, "--help"}, &stdout, &stderr)
		assert.Equal(t, exitValid, code, "%s --help: %s", c.name, stderr.String())
		assert.Contains(t, stdout.String(), "usage: raftcheck "+c.name, c.name)
	}
}
