package kv

import (
	"fmt"
	"strings"

	"raftcheck/harness"
)

// Request is what a client sends to a node.
type Request struct {
	// Register asks to open a session; Seq is then the client's nonce,
	// echoed in the response.
	Register bool
	Session  uint64
	Seq      uint64
	Op       Op
}

// TraceString renders the request in the world's trace.
func (r Request) TraceString() string {
	if r.Register {
		return fmt.Sprintf("req register nonce=%d", r.Seq)
	}
	return fmt.Sprintf("req s%d#%d %s", r.Session, r.Seq, r.Op)
}

// Response is a node's answer.
type Response struct {
	Register bool
	Session  uint64 // for a registration, the new session's id
	Seq      uint64
	Status   Status
	Result   Result
	// Leader is a hint at the node that leads, when HasLeader is set.
	Leader    harness.Addr
	HasLeader bool
	// Read says the response answers a read without the log, at the
	// server's applied index Applied: what places the read among the
	// commands, for checking (workloads.Witness).
	Read    bool
	Applied uint64
}

// TraceString renders the response in the world's trace.
func (r Response) TraceString() string {
	var b strings.Builder
	if r.Register {
		fmt.Fprintf(&b, "resp register nonce=%d s%d %s", r.Seq, r.Session, r.Status)
	} else {
		fmt.Fprintf(&b, "resp s%d#%d %s", r.Session, r.Seq, r.Status)
	}
	if r.Status == StatusOK || r.Status == StatusFail {
		switch {
		case r.Result.List != nil:
			fmt.Fprintf(&b, " %v", r.Result.List)
		case r.Result.Present:
			fmt.Fprintf(&b, " v=%d", r.Result.Value)
		}
	}
	if r.HasLeader {
		fmt.Fprintf(&b, " leader=%d", r.Leader)
	}
	return b.String()
}
