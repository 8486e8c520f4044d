package results

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunsCommittedAtOnceAllLand: parallel soak workers commit runs at the
// same moment; every commit must succeed, every run directory exist, and
// latest point at one of them (found in review: a shared temporary link
// name made some commits fail).
func TestRunsCommittedAtOnceAllLand(t *testing.T) {
	s := &Store{Root: t.TempDir()}
	const n = 200
	var wg sync.WaitGroup
	errs := make([]error, n)
	dirs := make([]string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			d, err := s.Begin("t", uint64(i+1), time.Now())
			if err != nil {
				errs[i] = err
				return
			}
			dirs[i] = d.Path()
			errs[i] = d.Commit()
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "commit %d", i)
		assert.DirExists(t, dirs[i])
	}
	latest, err := filepath.EvalSymlinks(filepath.Join(s.Root, "latest"))
	require.NoError(t, err)
	assert.Contains(t, dirs, latest)
	entries, err := os.ReadDir(s.Root)
	require.NoError(t, err)
	for _, e := range entries {
		assert.NotContains(t, e.Name(), ".latest-", "no temporary link is left behind")
	}
}
