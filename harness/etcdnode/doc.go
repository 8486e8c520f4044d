// Package etcdnode runs go.etcd.io/raft/v3, a Raft nobody here wrote, in
// the simulated world, as the bundled Raft runs there (package
// harness/raftnode): the same kv service on top, the same simulated disk,
// network and clocks below, the same invariant checker watching it from
// inside, and the same nemesis attacking it.
//
// etcd's RawNode drives each node. Its storage is etcd's MemoryStorage,
// rebuilt at every Start from what the node wrote to its simulated disk:
// our WAL (raft/wal) and snapshot file, in our types, converted at the
// boundary (convert.go). So the invariant checker reads etcd's durable
// state as it reads ours, and a crash loses what etcd's Ready contract
// says it may.
//
// # Determinism
//
// etcd/raft draws each randomized election timeout from crypto/rand
// (raft.go's globalRand), which no seed controls. The adapter never lets
// that draw matter: a node that does not lead is never given Tick, which
// would run etcd's election timer, but TickQuiesced, which advances the
// same logical clock (so leases and CheckQuorum's windows pass as they
// would) without looking at the timeout. The adapter keeps an election
// timer of its own, drawn from the node's seeded stream in [ElectionTick,
// 2·ElectionTick) ticks as etcd draws it, reset when etcd would reset its
// own (a message from the leader, a vote granted, a new term or role),
// and calls Campaign when it expires. A leader gets Tick: its heartbeats,
// CheckQuorum and transfer timeouts use no randomness. Nothing else in
// etcd/raft draws randomness or depends on map order in what it emits.
//
// # What etcd does differently, and the checker knows
//
//   - A configuration takes effect when its entry is applied, not when it
//     is appended (invariant.Semantics.ConfOnApply).
//   - The initial configuration is a snapshot at index 1 of term 1, as
//     etcd recommends over Bootstrap: every initial voter starts with it,
//     and a node outside the configuration starts empty and is sent it.
//   - A ReadIndex lost to a change of leader is dropped without a word;
//     the adapter answers such reads as lost when the node's term or role
//     changes, as the bundled Raft does.
//   - Messages travel as etcd's protobuf bytes, so no node shares memory
//     with another.
//
// Of the project, etcdnode imports harness, harness/raftnode (the node's
// Config, its Observer and the Host its service uses), harness/invariant
// (Semantics), raft and raft/wal (the vocabulary and the disk format); it
// never imports nemesis, workloads, results or cmd.
package etcdnode
