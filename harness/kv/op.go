package kv

import "fmt"

// The functions a client can call. Each belongs to one data type; a key
// holds one value of each type independently.
const (
	FRead    = "read"    // register read: Result.Present, Result.Value
	FWrite   = "write"   // register write of Op.Value
	FCas     = "cas"     // register compare-and-set from Op.Old to Op.Value; fails definitely on a mismatch
	FIncr    = "incr"    // counter increment by one; Result.Value is the new value
	FCount   = "count"   // counter read; Result.Value
	FAdd     = "add"     // set add of Op.Value
	FMembers = "members" // set read; Result.List, ascending
	FAppend  = "append"  // list append of Op.Value
	FList    = "list"    // list read; Result.List, in append order
)

// Op is one operation on one key.
type Op struct {
	F     string `json:"f"`
	Key   string `json:"k"`
	Value int64  `json:"v,omitempty"`
	Old   int64  `json:"o,omitempty"` // FCas: the expected value
}

// IsRead reports whether the operation only reads: reads do not go
// through the log and are served by the configured read mode.
func (o Op) IsRead() bool {
	switch o.F {
	case FRead, FCount, FMembers, FList:
		return true
	}
	return false
}

// Validate reports an operation the store does not know.
func (o Op) Validate() error {
	switch o.F {
	case FRead, FWrite, FCas, FIncr, FCount, FAdd, FMembers, FAppend, FList:
		return nil
	}
	return fmt.Errorf("kv: unknown function %q", o.F)
}

func (o Op) String() string {
	switch o.F {
	case FWrite, FAdd, FAppend:
		return fmt.Sprintf("%s %s %d", o.F, o.Key, o.Value)
	case FCas:
		return fmt.Sprintf("cas %s %d->%d", o.Key, o.Old, o.Value)
	}
	return o.F + " " + o.Key
}

// Result is what an operation returned.
type Result struct {
	// OK is false when the operation certainly did not take effect (a cas
	// whose expected value did not match).
	OK bool `json:"ok"`
	// Present and Value are a register's or counter's value; Present is
	// false for a register never written.
	Present bool  `json:"p,omitempty"`
	Value   int64 `json:"v,omitempty"`
	// List is a set's members or a list's elements.
	List []int64 `json:"l,omitempty"`
}
