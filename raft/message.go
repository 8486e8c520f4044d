package raft

import "strconv"

// MessageType names the messages Raft nodes exchange. The values are part of
// traces and may be stored; new types are only ever appended.
type MessageType uint8

const (
	// MsgVote is RequestVote (§5.2): Term is the candidate's new term,
	// Index/LogTerm its last log index and term (for §5.4.1).
	MsgVote MessageType = iota + 1
	// MsgVoteResp answers MsgVote; Reject false means granted.
	MsgVoteResp
	// MsgPreVote asks "would you vote for me in Term?" without anyone
	// changing term (thesis §9.6). Term is the sender's term + 1.
	MsgPreVote
	// MsgPreVoteResp answers MsgPreVote. A grant carries the term asked
	// about; a rejection carries the responder's term.
	MsgPreVoteResp
	// MsgApp is AppendEntries (§5.3): Index/LogTerm are prevLogIndex and
	// prevLogTerm, Entries follow them, Commit is the leader's commit.
	MsgApp
	// MsgAppResp answers MsgApp. On success Index is the last index the
	// append verified; on rejection Index is the rejected prevLogIndex and
	// RejectHint/HintTerm say where the follower's log could agree.
	MsgAppResp
	// MsgHeartbeat asserts leadership; Commit is min(leader commit,
	// follower's Match) so it never points past what the follower holds.
	// Context is the leader's latest ReadIndex round (read_index.go).
	MsgHeartbeat
	// MsgHeartbeatResp answers MsgHeartbeat, echoing Context: an
	// acknowledgement of that read round.
	MsgHeartbeatResp
	// MsgSnap is one chunk of InstallSnapshot (thesis Figure 5.3): Chunk
	// carries the snapshot's meta, the chunk's offset, the whole length
	// and the bytes; Index/LogTerm repeat the meta for traces, and Commit
	// is the leader's commit.
	MsgSnap
	// MsgSnapResp answers a chunk that did not complete the snapshot:
	// Index is the snapshot's index and Offset how many of its bytes the
	// follower holds, where the next chunk starts (0: start again). The
	// last chunk is answered with MsgAppResp once the snapshot is
	// installed.
	MsgSnapResp
	// MsgTimeoutNow tells a voter that the leader hands it its office
	// (transfer.go): campaign now, without a pre-vote.
	MsgTimeoutNow

	// New types are appended after this line.
)

var messageTypeNames = [...]string{
	MsgVote:          "MsgVote",
	MsgVoteResp:      "MsgVoteResp",
	MsgPreVote:       "MsgPreVote",
	MsgPreVoteResp:   "MsgPreVoteResp",
	MsgApp:           "MsgApp",
	MsgAppResp:       "MsgAppResp",
	MsgHeartbeat:     "MsgHeartbeat",
	MsgHeartbeatResp: "MsgHeartbeatResp",
	MsgSnap:          "MsgSnap",
	MsgSnapResp:      "MsgSnapResp",
	MsgTimeoutNow:    "MsgTimeoutNow",
}

// String returns the type's name, e.g. "MsgApp".
func (t MessageType) String() string {
	if t.isKnown() {
		return messageTypeNames[t]
	}
	return "MessageType(" + strconv.Itoa(int(t)) + ")"
}

func (t MessageType) isKnown() bool {
	return int(t) < len(messageTypeNames) && messageTypeNames[t] != ""
}

// isResponse reports whether t answers another message.
func (t MessageType) isResponse() bool {
	switch t {
	case MsgVoteResp, MsgPreVoteResp, MsgAppResp, MsgHeartbeatResp, MsgSnapResp:
		return true
	}
	return false
}

// Message is everything one node says to another. Field meanings depend on
// Type; see the MessageType constants.
type Message struct {
	Type MessageType
	// Reject, on a response, says the request was refused (see the
	// types). It sits beside Type, where it costs no room: a run copies
	// millions of messages.
	Reject bool
	From   uint64
	To     uint64
	Term   uint64

	// For MsgApp: prevLogTerm/prevLogIndex. For MsgVote/MsgPreVote: the
	// candidate's last log term/index. For MsgAppResp: see MsgAppResp.
	LogTerm uint64
	Index   uint64

	Entries []Entry
	Commit  uint64

	RejectHint uint64 // MsgAppResp rejection: highest index that could agree
	HintTerm   uint64 // MsgAppResp rejection: the follower's term at RejectHint

	// Context is the ReadIndex round on MsgHeartbeat, echoed by
	// MsgHeartbeatResp; on MsgApp and MsgSnap the epoch of the leader's
	// Progress for the follower (membership.go), echoed by the answers;
	// on MsgVote 1 for an election a leader handed over (transfer.go);
	// 0 elsewhere.
	Context uint64

	// Chunk is the piece of a snapshot a MsgSnap carries; nil elsewhere.
	Chunk *SnapshotChunk
	// Offset is, on MsgSnapResp, how many bytes of the snapshot the
	// follower holds; 0 elsewhere.
	Offset uint64
}

// String renders m compactly and deterministically for traces:
//
//	MsgApp 1->2 t3 i7/t2 e[8..9] c7
//	MsgAppResp 2->1 t3 i9
//	MsgAppResp 2->1 t3 i7 rej hint 5/t2
//	MsgVote 1->2 t3 last 7/t2
//	MsgVoteResp 2->1 t3 granted
//	MsgHeartbeat 1->2 t3 c7
//	MsgSnap 1->2 t3 snap 40/t2 [0..4096) of 9000 c41
//	MsgSnapResp 2->1 t3 snap 40 have 4096
func (m Message) String() string { return string(m.Append(nil)) }

// Append appends the String form of m to b, so
// a trace can render millions of messages without a string for each.
func (m Message) Append(b []byte) []byte {
	b = append(b, m.Type.String()...)
	b = append(b, ' ')
	b = appendUint(b, "", m.From)
	b = appendUint(b, "->", m.To)
	b = appendUint(b, " t", m.Term)
	switch m.Type {
	case MsgApp:
		b = appendUint(b, " i", m.Index)
		b = appendUint(b, "/t", m.LogTerm)
		b = append(b, " e["...)
		if n := len(m.Entries); n > 0 {
			b = appendUint(b, "", m.Entries[0].Index)
			if n > 1 {
				b = appendUint(b, "..", m.Entries[n-1].Index)
			}
		}
		b = append(b, ']')
		b = appendUint(b, " c", m.Commit)
	case MsgAppResp:
		b = appendUint(b, " i", m.Index)
		if m.Reject {
			b = appendUint(b, " rej hint ", m.RejectHint)
			b = appendUint(b, "/t", m.HintTerm)
		}
	case MsgVote, MsgPreVote:
		b = appendUint(b, " last ", m.Index)
		b = appendUint(b, "/t", m.LogTerm)
	case MsgVoteResp, MsgPreVoteResp:
		if m.Reject {
			b = append(b, " rejected"...)
		} else {
			b = append(b, " granted"...)
		}
	case MsgHeartbeat:
		b = appendUint(b, " c", m.Commit)
	case MsgHeartbeatResp:
	case MsgSnap:
		b = appendUint(b, " snap ", m.Index)
		b = appendUint(b, "/t", m.LogTerm)
		if c := m.Chunk; c != nil {
			b = appendUint(b, " [", c.Offset)
			b = appendUint(b, "..", c.Offset+uint64(len(c.Data)))
			b = appendUint(b, ") of ", c.Total)
		}
		b = appendUint(b, " c", m.Commit)
	case MsgSnapResp:
		b = appendUint(b, " snap ", m.Index)
		b = appendUint(b, " have ", m.Offset)
	default:
		// Unknown types show every field so nothing is hidden in a trace.
		b = appendUint(b, " i", m.Index)
		b = appendUint(b, "/t", m.LogTerm)
		b = appendUint(b, " e", uint64(len(m.Entries)))
		b = appendUint(b, " c", m.Commit)
		if m.Reject {
			b = append(b, " rej"...)
		}
		b = appendUint(b, " hint ", m.RejectHint)
		b = appendUint(b, "/t", m.HintTerm)
	}
	if m.Context != 0 {
		b = appendUint(b, " ctx", m.Context)
	}
	return b
}

func appendUint(b []byte, prefix string, v uint64) []byte {
	b = append(b, prefix...)
	return strconv.AppendUint(b, v, 10)
}
