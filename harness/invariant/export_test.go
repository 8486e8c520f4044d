package invariant

// EqualRetries exposes equalRetries to the tests.
var EqualRetries = equalRetries

// SetAppendedWindow sets how many indexes below the commit index Log
// Matching keeps every appended entry of.
func SetAppendedWindow(c *Checker, w uint64) { c.appendedWindow = w }

// AppendedKept is how many appended entries Log Matching keeps.
func AppendedKept(c *Checker) int { return len(c.appended) }

// SetKeptIndexes sets how many of the latest indexes the checker keeps the
// committed and applied entries of, at least.
func SetKeptIndexes(c *Checker, n int) { c.keep = n }
