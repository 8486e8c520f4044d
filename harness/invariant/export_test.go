package invariant

// EqualRetries exposes equalRetries to the tests.
var EqualRetries = equalRetries
