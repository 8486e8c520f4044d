package invariant

// Semantics are the documented behaviours of a Raft implementation that
// its invariants must judge it by, where implementations legitimately
// differ from the Raft thesis (and from the bundled Raft, which follows
// it). The zero value is the thesis's.
type Semantics struct {
	// ConfOnApply: a configuration takes effect when its entry is
	// applied, not when it is appended (etcd/raft, which allows one
	// pending change only and so stays safe); the thesis uses the latest
	// configuration in the log, committed or not.
	ConfOnApply bool `json:"conf_on_apply,omitempty"`
}

// SetSemantics tells the checker which semantics the system follows.
func (c *Checker) SetSemantics(s Semantics) { c.sem = s }
