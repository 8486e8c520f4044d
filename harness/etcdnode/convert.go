package etcdnode

import (
	"encoding/binary"
	"fmt"
	"slices"

	etcd "go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"raftcheck/raft"
)

// The conversions between etcd's types and ours. Every one is exact on
// what this adapter produces: an etcd entry converted to ours and back is
// the entry it was, so a log recovered from our WAL is the log etcd wrote.
//
//	etcd                                 ours
//	EntryNormal, no data                 EntryNoOp (a new leader's entry)
//	EntryNormal, data                    EntryNormal
//	EntryConfChangeV2 (ConfChangeV2)     EntryConfChange (raft.ConfChange)
//
// etcd's version-1 EntryConfChange comes only from Bootstrap, which the
// adapter does not use; ConfChangeV2's Context is never set; a voter is
// never demoted in place (LearnersNext), as in the bundled Raft.

// marshal encodes deterministically: equal values, equal bytes.
var marshal = proto.MarshalOptions{Deterministic: true}

// entryFrom converts an etcd entry.
func entryFrom(e *pb.Entry) (raft.Entry, error) {
	out := raft.Entry{Term: e.GetTerm(), Index: e.GetIndex()}
	switch e.GetType() {
	case pb.EntryNormal:
		if len(e.Data) == 0 {
			out.Type = raft.EntryNoOp
		} else {
			out.Data = e.Data
		}
	case pb.EntryConfChangeV2:
		var cc pb.ConfChangeV2
		if err := proto.Unmarshal(e.Data, &cc); err != nil {
			return out, fmt.Errorf("etcdnode: entry %d/t%d: %w", out.Index, out.Term, err)
		}
		ours, err := confChangeFrom(&cc)
		if err != nil {
			return out, fmt.Errorf("etcdnode: entry %d/t%d: %w", out.Index, out.Term, err)
		}
		out.Type, out.Data = raft.EntryConfChange, ours.Encode()
	default:
		return out, fmt.Errorf("etcdnode: entry %d/t%d has type %v, which this adapter never proposes", out.Index, out.Term, e.GetType())
	}
	return out, nil
}

// entryTo converts one of our entries back.
func entryTo(e raft.Entry) (*pb.Entry, error) {
	out := &pb.Entry{Term: new(e.Term), Index: new(e.Index)}
	switch e.Type {
	case raft.EntryNoOp:
		out.Type = pb.EntryNormal.Enum()
	case raft.EntryNormal:
		out.Type, out.Data = pb.EntryNormal.Enum(), e.Data
	case raft.EntryConfChange:
		cc, err := raft.DecodeConfChange(e.Data)
		if err != nil {
			return nil, err
		}
		data, err := marshal.Marshal(confChangeTo(cc))
		if err != nil {
			return nil, err
		}
		out.Type, out.Data = pb.EntryConfChangeV2.Enum(), data
	default:
		return nil, fmt.Errorf("etcdnode: entry %s has an unknown type", e)
	}
	return out, nil
}

// entriesFrom converts a Ready's entries.
func entriesFrom(es []*pb.Entry) ([]raft.Entry, error) {
	if len(es) == 0 {
		return nil, nil
	}
	out := make([]raft.Entry, len(es))
	for i, e := range es {
		var err error
		if out[i], err = entryFrom(e); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// confChangeFrom converts a change; etcd's types and transitions map one
// to one on ours.
func confChangeFrom(cc *pb.ConfChangeV2) (raft.ConfChange, error) {
	var out raft.ConfChange
	switch cc.GetTransition() {
	case pb.ConfChangeTransitionAuto:
		out.Transition = raft.TransitionAuto
	case pb.ConfChangeTransitionJointImplicit:
		out.Transition = raft.TransitionJointImplicit
	case pb.ConfChangeTransitionJointExplicit:
		out.Transition = raft.TransitionJointExplicit
	default:
		return out, fmt.Errorf("unknown transition %v", cc.GetTransition())
	}
	for _, c := range cc.Changes {
		s := raft.ConfChangeSingle{NodeID: c.GetNodeId()}
		switch c.GetType() {
		case pb.ConfChangeAddNode:
			s.Type = raft.AddVoter
		case pb.ConfChangeAddLearnerNode:
			s.Type = raft.AddLearner
		case pb.ConfChangeRemoveNode:
			s.Type = raft.RemoveNode
		default:
			return out, fmt.Errorf("change type %v, which this adapter never proposes", c.GetType())
		}
		out.Changes = append(out.Changes, s)
	}
	return out, nil
}

// confChangeTo converts one of our changes to etcd's.
func confChangeTo(cc raft.ConfChange) *pb.ConfChangeV2 {
	out := &pb.ConfChangeV2{}
	switch cc.Transition {
	case raft.TransitionJointImplicit:
		out.Transition = pb.ConfChangeTransitionJointImplicit.Enum()
	case raft.TransitionJointExplicit:
		out.Transition = pb.ConfChangeTransitionJointExplicit.Enum()
	default:
		out.Transition = pb.ConfChangeTransitionAuto.Enum()
	}
	for _, c := range cc.Changes {
		typ := pb.ConfChangeRemoveNode
		switch c.Type {
		case raft.AddVoter:
			typ = pb.ConfChangeAddNode
		case raft.AddLearner:
			typ = pb.ConfChangeAddLearnerNode
		}
		out.Changes = append(out.Changes, &pb.ConfChangeSingle{Type: typ.Enum(), NodeId: new(c.NodeID)})
	}
	return out
}

// confStateFrom converts a configuration, sorted as ours are.
func confStateFrom(cs *pb.ConfState) raft.ConfState {
	sorted := func(ids []uint64) []uint64 {
		if len(ids) == 0 {
			return nil
		}
		ids = slices.Clone(ids)
		slices.Sort(ids)
		return ids
	}
	return raft.ConfState{
		Voters:         sorted(cs.GetVoters()),
		VotersOutgoing: sorted(cs.GetVotersOutgoing()),
		Learners:       sorted(cs.GetLearners()),
		AutoLeave:      cs.GetAutoLeave(),
	}
}

// confStateTo converts our configuration.
func confStateTo(cs raft.ConfState) *pb.ConfState {
	return &pb.ConfState{
		Voters:         slices.Clone(cs.Voters),
		VotersOutgoing: slices.Clone(cs.VotersOutgoing),
		Learners:       slices.Clone(cs.Learners),
		AutoLeave:      new(cs.AutoLeave),
	}
}

// snapshotFrom converts a snapshot.
func snapshotFrom(s *pb.Snapshot) raft.Snapshot {
	md := s.GetMetadata()
	return raft.Snapshot{
		Meta: raft.SnapshotMeta{Index: md.GetIndex(), Term: md.GetTerm()},
		Conf: confStateFrom(md.GetConfState()),
		Data: s.GetData(),
	}
}

// snapshotTo converts our snapshot.
func snapshotTo(s raft.Snapshot) *pb.Snapshot {
	return &pb.Snapshot{
		Data: s.Data,
		Metadata: &pb.SnapshotMetadata{
			ConfState: confStateTo(s.Conf),
			Index:     new(s.Meta.Index),
			Term:      new(s.Meta.Term),
		},
	}
}

// hardStateFrom converts a HardState.
func hardStateFrom(hs *pb.HardState) raft.HardState {
	return raft.HardState{Term: hs.GetTerm(), Vote: hs.GetVote(), Commit: hs.GetCommit()}
}

// hardStateTo converts our HardState.
func hardStateTo(hs raft.HardState) *pb.HardState {
	return &pb.HardState{Term: new(hs.Term), Vote: new(hs.Vote), Commit: new(hs.Commit)}
}

// stateFrom converts a role.
func stateFrom(s etcd.StateType) raft.StateType {
	switch s {
	case etcd.StateLeader:
		return raft.StateLeader
	case etcd.StateCandidate:
		return raft.StateCandidate
	case etcd.StatePreCandidate:
		return raft.StatePreCandidate
	}
	return raft.StateFollower
}

// readContext encodes our ReadIndex context, a number, as etcd's bytes.
func readContext(ctx uint64) []byte { return binary.BigEndian.AppendUint64(nil, ctx) }

// readContextFrom decodes it; ok is false for bytes this adapter did not
// make.
func readContextFrom(b []byte) (uint64, bool) {
	if len(b) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(b), true
}

// messageTypes maps the etcd messages the wire checks read to ours; the
// rest (ReadIndex, snapshot status, the local ones) are left out.
var messageTypes = map[pb.MessageType]raft.MessageType{
	pb.MsgVote:          raft.MsgVote,
	pb.MsgVoteResp:      raft.MsgVoteResp,
	pb.MsgPreVote:       raft.MsgPreVote,
	pb.MsgPreVoteResp:   raft.MsgPreVoteResp,
	pb.MsgApp:           raft.MsgApp,
	pb.MsgAppResp:       raft.MsgAppResp,
	pb.MsgHeartbeat:     raft.MsgHeartbeat,
	pb.MsgHeartbeatResp: raft.MsgHeartbeatResp,
	pb.MsgSnap:          raft.MsgSnap,
	pb.MsgTimeoutNow:    raft.MsgTimeoutNow,
}

// msgEtcd is the type a header gives etcd's network messages that have
// none of ours (ReadIndex and its answer, a forwarded transfer or
// proposal): the wire checks read only their term.
const msgEtcd raft.MessageType = 255

// headerFrom is m's header in our types (Type 0: a type left out). The
// fields mean in etcd what they mean in ours: a vote request's Index and
// LogTerm are the candidate's last entry, an append's the entry before
// its entries, a successful MsgAppResp's Index the last index the
// follower holds matching the leader's; on a MsgSnap, Index and LogTerm
// are the snapshot's.
func headerFrom(m *pb.Message) raft.Message {
	typ, ok := messageTypes[m.GetType()]
	if !ok {
		switch m.GetType() {
		case pb.MsgReadIndex, pb.MsgReadIndexResp, pb.MsgTransferLeader, pb.MsgProp:
			typ = msgEtcd
		default:
			return raft.Message{}
		}
	}
	h := raft.Message{
		Type: typ, Reject: m.GetReject(), From: m.GetFrom(), To: m.GetTo(), Term: m.GetTerm(),
		LogTerm: m.GetLogTerm(), Index: m.GetIndex(), Commit: m.GetCommit(), RejectHint: m.GetRejectHint(),
	}
	if typ == raft.MsgSnap {
		md := m.GetSnapshot().GetMetadata()
		h.Index, h.LogTerm = md.GetIndex(), md.GetTerm()
	}
	return h
}
