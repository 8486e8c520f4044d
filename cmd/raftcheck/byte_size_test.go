package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestByteSizeReadsAmountsWithTheirUnits(t *testing.T) {
	tests := []struct {
		in   string
		want byteSize
		err  string
	}{
		{"4GiB", 4 << 30, ""},
		{"512MiB", 512 << 20, ""},
		{"1.5GiB", 3 << 29, ""},
		{"1GB", 1e9, ""},
		{"100KB", 1e5, ""},
		{"2048B", 2048, ""},
		{"0", 0, ""},
		{"4", 0, "with its unit"},
		{"-1GiB", 0, "positive"},
		{"GiB", 0, "positive"},
		{"1e400GiB", 0, "positive"},
		{"10000000TiB", 0, "positive"},
		{"4gb", 0, "with its unit"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			var b byteSize
			err := b.Set(tc.in)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, b)
		})
	}
	assert.Equal(t, "4GiB", byteSize(4<<30).String())
	assert.Equal(t, "512MiB", byteSize(512<<20).String())
}
