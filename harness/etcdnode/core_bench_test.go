package etcdnode_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	etcdraft "go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"raftcheck/raft"
)

// The Raft cores side by side in one synchronous driver (issue 16): the
// bundled raft.RawNode and go.etcd.io/raft's RawNode, each with an
// in-memory log, instant lossless delivery and no disk, driven by the same
// loop: propose a batch at the leader, then alternate Ready cycles and
// deliveries until nothing moves. The cost measured is the protocol's own:
// Ready handling, message processing, the log and quorum arithmetic.
//
//	go test ./harness/etcdnode -run '^$' -bench RaftCores -benchmem

// coreCluster is one implementation's nodes, as the driver sees them.
type coreCluster interface {
	// tick ticks every node once.
	tick()
	// leader is the leader's ID, 0 while there is none.
	leader() uint64
	propose(leader uint64, data []byte) error
	// cycle runs one Ready cycle on every node that has one and delivers
	// the messages they sent; it reports whether anything moved.
	cycle() bool
	// committed is the number of normal entries the leader applied.
	committed(leader uint64) int
	// compact has every node compact its log up to what it applied, as a
	// deployment's snapshots do: without it the in-memory logs grow
	// without end, and the benchmark measures copying them.
	compact()
}

// compactEvery is how many proposals pass between compactions.
const compactEvery = 4096

func BenchmarkRaftCores(b *testing.B) {
	systems := []struct {
		name string
		new  func(b *testing.B, voters int) coreCluster
	}{
		{"bundled", newBundledCores},
		{"etcd", newEtcdCores},
	}
	for _, voters := range []int{3, 5} {
		for _, batch := range []int{1, 64} {
			for _, sys := range systems {
				b.Run(fmt.Sprintf("voters=%d/batch=%d/system=%s", voters, batch, sys.name), func(b *testing.B) {
					benchmarkCores(b, sys.new(b, voters), batch)
				})
			}
		}
	}
}

func benchmarkCores(b *testing.B, c coreCluster, batch int) {
	var leader uint64
	for i := 0; i < 1000 && leader == 0; i++ {
		c.tick()
		for c.cycle() {
		}
		leader = c.leader()
	}
	if leader == 0 {
		b.Fatal("no leader elected in 1000 ticks")
	}
	before := c.committed(leader)
	data := []byte("benchmark-proposal")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.propose(leader, data); err != nil {
			b.Fatal(err)
		}
		if i%batch == batch-1 {
			for c.cycle() {
			}
		}
		if i%compactEvery == compactEvery-1 {
			for c.cycle() {
			}
			c.compact()
		}
	}
	for c.cycle() {
	}
	b.StopTimer()
	if got := c.committed(leader) - before; got != b.N {
		b.Fatalf("committed %d proposals, want %d", got, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "proposals/s")
	// What the cluster holds once its garbage is collected: the memory a
	// core costs its host, beside the allocations it churns through.
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "retained-MB")
	runtime.KeepAlive(c)
}

// Both cores are configured alike: election timeout 10 ticks, heartbeat
// 1, 256 appends in flight, at most 64 entries of this benchmark in a
// message.
const (
	coreElection  = 10
	coreHeartbeat = 1
	coreInflight  = 256
	coreEntries   = 64
)

// bundledCores keeps no durable copy of the logs: the core holds its log in
// memory, as etcd's holds its in the MemoryStorage its host must give it,
// so each side holds one copy.
type bundledCores struct {
	nodes   []*raft.RawNode
	applied []int
	// appliedIndex is each node's last applied index.
	appliedIndex []uint64
	queue        []raft.Message
	next         []raft.Message
}

func newBundledCores(b *testing.B, voters int) coreCluster {
	c := &bundledCores{applied: make([]int, voters), appliedIndex: make([]uint64, voters)}
	var peers []uint64
	for id := 1; id <= voters; id++ {
		peers = append(peers, uint64(id))
	}
	for _, id := range peers {
		rn, err := raft.NewRawNode(raft.Config{
			ID: id, Peers: peers, ElectionTick: coreElection, HeartbeatTick: coreHeartbeat,
			MaxInflightMsgs: coreInflight, MaxEntriesPerMsg: coreEntries, MaxSnapshotChunk: 1 << 16,
			Rand: rand.New(rand.NewPCG(1, id)),
		})
		if err != nil {
			b.Fatal(err)
		}
		c.nodes = append(c.nodes, rn)
	}
	return c
}

func (c *bundledCores) tick() {
	for _, rn := range c.nodes {
		rn.Tick()
	}
}

func (c *bundledCores) leader() uint64 {
	for _, rn := range c.nodes {
		if st := rn.Status(); st.State == raft.StateLeader {
			return st.ID
		}
	}
	return 0
}

func (c *bundledCores) propose(leader uint64, data []byte) error {
	_, _, err := c.nodes[leader-1].Propose(data)
	return err
}

func (c *bundledCores) cycle() bool {
	moved := false
	for i, rn := range c.nodes {
		if !rn.HasReady() {
			continue
		}
		moved = true
		rd := rn.Ready()
		c.queue = append(c.queue, rd.Messages...)
		for _, e := range rd.CommittedEntries {
			if e.Type == raft.EntryNormal && len(e.Data) > 0 {
				c.applied[i]++
			}
			c.appliedIndex[i] = e.Index
		}
		rn.Advance(rd)
	}
	c.queue, c.next = c.next[:0], c.queue
	for _, m := range c.next {
		moved = true
		_ = c.nodes[m.To-1].Step(m) // a stale message's error changes nothing
	}
	clear(c.next) // delivered: the buffer must not keep their entries alive
	return moved
}

func (c *bundledCores) committed(leader uint64) int { return c.applied[leader-1] }

func (c *bundledCores) compact() {
	for i, rn := range c.nodes {
		at := c.appliedIndex[i]
		if at <= rn.Snapshot().Meta.Index {
			continue
		}
		if _, err := rn.Compact(at, nil); err != nil {
			panic(err)
		}
	}
}

type etcdCores struct {
	nodes        []*etcdraft.RawNode
	storages     []*etcdraft.MemoryStorage
	applied      []int
	appliedIndex []uint64
	queue        []*raftpb.Message
	next         []*raftpb.Message
}

func newEtcdCores(b *testing.B, voters int) coreCluster {
	c := &etcdCores{applied: make([]int, voters), appliedIndex: make([]uint64, voters)}
	var peers []etcdraft.Peer
	for id := 1; id <= voters; id++ {
		peers = append(peers, etcdraft.Peer{ID: uint64(id)})
	}
	one := uint64(1)
	sample := &raftpb.Entry{Term: &one, Index: &one, Data: []byte("benchmark-proposal")}
	for id := 1; id <= voters; id++ {
		st := etcdraft.NewMemoryStorage()
		rn, err := etcdraft.NewRawNode(&etcdraft.Config{
			ID: uint64(id), ElectionTick: coreElection, HeartbeatTick: coreHeartbeat, Storage: st,
			MaxSizePerMsg: uint64(coreEntries * proto.Size(sample)), MaxInflightMsgs: coreInflight,
			Logger: quietLogger{},
		})
		if err != nil {
			b.Fatal(err)
		}
		if err := rn.Bootstrap(peers); err != nil {
			b.Fatal(err)
		}
		c.nodes = append(c.nodes, rn)
		c.storages = append(c.storages, st)
	}
	return c
}

func (c *etcdCores) tick() {
	for _, rn := range c.nodes {
		rn.Tick()
	}
}

func (c *etcdCores) leader() uint64 {
	for _, rn := range c.nodes {
		if st := rn.Status(); st.RaftState == etcdraft.StateLeader {
			return st.ID
		}
	}
	return 0
}

func (c *etcdCores) propose(leader uint64, data []byte) error {
	return c.nodes[leader-1].Propose(data)
}

func (c *etcdCores) cycle() bool {
	moved := false
	for i, rn := range c.nodes {
		if !rn.HasReady() {
			continue
		}
		moved = true
		rd := rn.Ready()
		st := c.storages[i]
		if !etcdraft.IsEmptyHardState(rd.HardState) {
			_ = st.SetHardState(rd.HardState)
		}
		_ = st.Append(rd.Entries)
		c.queue = append(c.queue, rd.Messages...)
		for _, e := range rd.CommittedEntries {
			if e.GetType() == raftpb.EntryType_EntryNormal && len(e.Data) > 0 {
				c.applied[i]++
			}
			c.appliedIndex[i] = e.GetIndex()
		}
		rn.Advance(rd)
	}
	c.queue, c.next = c.next[:0], c.queue
	for _, m := range c.next {
		moved = true
		_ = c.nodes[m.GetTo()-1].Step(m) // a stale message's error changes nothing
	}
	clear(c.next) // delivered: the buffer must not keep their entries alive
	return moved
}

func (c *etcdCores) committed(leader uint64) int { return c.applied[leader-1] }

func (c *etcdCores) compact() {
	for i, st := range c.storages {
		first, _ := st.FirstIndex()
		if at := c.appliedIndex[i]; at >= first {
			if err := st.Compact(at); err != nil {
				panic(err)
			}
		}
	}
}

// quietLogger keeps etcd's election chatter out of the benchmark's output.
type quietLogger struct{}

func (quietLogger) Debug(...any)            {}
func (quietLogger) Debugf(string, ...any)   {}
func (quietLogger) Error(...any)            {}
func (quietLogger) Errorf(string, ...any)   {}
func (quietLogger) Info(...any)             {}
func (quietLogger) Infof(string, ...any)    {}
func (quietLogger) Warning(...any)          {}
func (quietLogger) Warningf(string, ...any) {}
func (quietLogger) Fatal(v ...any)          { panic(fmt.Sprint(v...)) }
func (quietLogger) Fatalf(f string, v ...any) {
	panic(fmt.Sprintf(f, v...))
}
func (quietLogger) Panic(v ...any)            { panic(fmt.Sprint(v...)) }
func (quietLogger) Panicf(f string, v ...any) { panic(fmt.Sprintf(f, v...)) }
