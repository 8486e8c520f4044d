package run

import (
	"reflect"
	"slices"
	"time"

	"raftcheck/harness"
	"raftcheck/harness/kv"
	"raftcheck/nemesis"
	"raftcheck/workloads"
)

// SwarmFaults is the fault world swarm mode draws for a seed, from the
// seed's own "swarm" stream, which nothing else draws from.
func SwarmFaults(seed uint64) nemesis.World {
	return nemesis.Swarm(harness.NewSeeds(seed).Stream("swarm"))
}

// UseSwarm gives the run the fault world its seed draws: the nemesis's
// kinds, interval and intensities, and the disks' torn-write probability.
func (c *Config) UseSwarm() {
	w := SwarmFaults(c.Seed)
	c.Swarm = true
	c.Nemesis = w.Nemesis
	c.Disk.Torn = harness.Prob(w.Torn)
}

// SwarmOptions are the options whole-world swarm mode draws, by their flag
// names; an option given explicitly is kept instead (UseSwarmWorld).
var SwarmOptions = []string{"nodes", "clients", "workload", "keys", "ops-per-key", "rate", "read-mode", "time", "nemesis", "nemesis-interval"}

// UseSwarmWorld draws the whole world of the run from its seed, in the
// spirit of swarm testing (Groce et al., and TigerBeetle's VOPR): not only
// the faults but everything a bug may hide behind:
//
//   - the cluster: 3 to 7 nodes, even sizes included (a quorum of 4 is 3);
//   - Raft's timing: the election timeout (5–20 ticks) and heartbeat (1 to
//     a third of it), PreVote (off half the seeds: a disruptive rejoin,
//     thesis §4.2.3, happens only without it) and CheckQuorum (off
//     one ReadIndex seed in four: leases need it, and so does a world
//     without PreVote that removes members);
//   - replication's shape: entries per append (1 to 256) and the inflight
//     window (1 to 256, with at least 16 entries in flight in all), so a
//     single-entry or an unpipelined Raft is tested as much as a batched
//     one;
//   - the network's and the disks' base latencies, whether a leader sends
//     before its own fsync completes (thesis §10.2.1), and whether state
//     machines apply at once or up to 20 ms behind their Raft;
//   - reads: ReadIndex or leases;
//   - client sessions that expire after 2–20 s idle in half the seeds (60 s,
//     longer than most runs, in the others);
//   - log compaction in three worlds of four, by entry count or by bytes,
//     with snapshots sent in chunks of 64 bytes to 64 KiB;
//   - disks that write back unsynced writes before a crash, in order, in
//     half the worlds;
//   - in worlds whose faults change the membership, 0–2 spare nodes
//     outside the initial configuration;
//   - flow control bounded tightly in half the worlds: the leader's
//     uncommitted bytes, the bytes of one append and of one Ready;
//   - the workload (register, counter, set, append), clients (3–10), rate
//     (50–200/s), keys (5–15, retired after 50–200 operations);
//   - the run's length (10–60 s) and its fault density: the fault world of
//     nemesis.Swarm with a fault every 200 ms to 5 s;
//   - clocks: in lease-read seeds the lease allows for a drift bound of
//     1% to 40%, and the clocks only drift, within that bound, so that
//     lease reads are always checked:
//     beyond the bound a lease promises nothing, and a run there could
//     only end unknown. Clock jumps and strobes stay in ReadIndex seeds,
//     where nothing may depend on clocks.
//
// Options named in kept (flag names, SwarmOptions) keep the values they
// have. Everything drawn lands in the configuration, so results.json
// replays it exactly; the draw uses the seed's "swarm-world" stream (and
// "swarm" for the faults), and shifts nothing else.
func (c *Config) UseSwarmWorld(kept []string) {
	r := harness.NewSeeds(c.Seed).Stream("swarm-world")
	keep := func(name string) bool { return slices.Contains(kept, name) }
	pick := func(options ...int) int { return options[r.Below(uint64(len(options)))] }
	us := func(lo, hi int64) time.Duration { return time.Duration(r.Between(lo, hi)) * time.Microsecond }

	// Draw every value whether kept or not, so that keeping one option
	// does not shift what the others draw.
	nodes := int(r.Between(3, 7))
	clients := int(r.Between(3, 10))
	names := workloads.Names()
	workload := names[r.Below(uint64(len(names)))]
	// Keys, their retirement and the rate stay where the linearizability
	// check stays tractable: concurrent operations on one key, and the
	// info operations faults leave behind, are what make it explode.
	keys := int(r.Between(5, 15))
	opsPerKey := int(r.Between(50, 200))
	rate := float64(r.Between(50, 200))
	lease := r.Below(2) == 0
	length := time.Duration(r.Between(10, 60)) * time.Second
	// Log-uniform over [200ms, 5s], in integer steps of 9%: dense and
	// sparse worlds alike, with no floating point in the draw.
	interval := 200 * time.Millisecond
	for steps := r.Below(38); steps > 0; steps-- {
		interval = interval * 1091 / 1000
	}
	// Once the draw of lease seeds whose clocks could leave the bound; all
	// now keep them within it (below), and the draw stays so that the
	// draws after it do not shift.
	_ = r.Below(4)
	noCheckQuorum := r.Below(4) == 0
	// Sessions expire within the run in half the seeds, so that expiry,
	// and the exactly-once it must not break, is tested at all.
	sessionTTL := 60 * time.Second
	if r.Below(2) == 0 {
		sessionTTL = time.Duration(r.Between(2, 20)) * time.Second
	}

	c.Raft.ElectionTick = int(r.Between(5, 20))
	c.Raft.HeartbeatTick = int(r.Between(1, int64(max(1, c.Raft.ElectionTick/3))))
	// PreVote is off in half the seeds (once a quarter: Below draws the
	// high bits of one value, so the seeds it was off in still have it
	// off, and no later draw shifts). Without it a node cut off from its
	// leader moves its term, and its return is the disruption that
	// CheckQuorum and leader stickiness must absorb.
	c.Raft.PreVote = r.Below(2) != 0
	c.Raft.MaxEntriesPerMsg = pick(1, 2, 4, 16, 64, 256)
	c.Raft.MaxInflightMsgs = pick(1, 2, 4, 16, 64, 256)
	// A leader replicates at most inflight × entries per round trip: keep
	// that above what 200 operations a second need even on a slow link, or
	// the log outgrows replication and a healthy Raft fails liveness only
	// because it was given more work than its window lets through.
	for c.Raft.MaxEntriesPerMsg*c.Raft.MaxInflightMsgs < 16 {
		c.Raft.MaxInflightMsgs *= 2
	}
	netMin := us(100, 2000)
	c.Network.Latency = harness.Uniform(netMin, netMin+us(500, 20_000))
	fsyncMin := us(20, 1000)
	c.Disk.SyncLatency = harness.Uniform(fsyncMin, fsyncMin+us(100, 5000))
	// Half the leaders send while their own write is in flight, as etcd's
	// server does: a Raft that counts its own unsynced entries toward a
	// commit is wrong only there.
	c.Raft.LeaderSendsEarly = r.Below(2) == 0
	// The drift bound leases are computed for, from 1% to 40%: with a
	// wide bound a lease's margin is tens of milliseconds, and a lease
	// that gets its margin wrong is wrong by as much.
	maxDrift := harness.PPM(pick(10_000, 50_000, 100_000, 200_000, 400_000))
	// Half the state machines run behind their Raft, so that a read that
	// does not wait for its index to be applied answers from the past.
	c.Raft.ApplyDelay = 0
	if r.Below(2) == 0 {
		c.Raft.ApplyDelay = time.Duration(pick(200, 1000, 5000, 20_000)) * time.Microsecond
	}
	// A quarter of the clients keep retrying an operation for 4 or 15
	// seconds instead of one, as clients with generous deadlines do:
	// where sessions expire within the run, a retry can then outlive its
	// session, and must be refused, never applied as new.
	c.Client.OpTimeout = time.Second
	if r.Below(4) == 0 {
		c.Client.OpTimeout = time.Duration(pick(4, 15)) * time.Second
	}
	// A third of the sessions that expire within the run live only
	// 0.3–2 s: long enough for a client that keeps working, short enough
	// that an election or a partition outlasts it, so live clients' sessions
	// expire and their retries meet the expiry.
	if sessionTTL < 60*time.Second && r.Below(3) == 0 {
		sessionTTL = time.Duration(r.Between(300, 2000)) * time.Millisecond
	}
	// Three worlds in four compact their logs: every 8 to 512 applied
	// entries, or every 1 to 64 KiB of entry data, and send snapshots in
	// chunks of 64 bytes to 64 KiB. A follower that a partition, a crash
	// or a pause leaves behind the leader's snapshot then catches up by
	// InstallSnapshot, and a node restarts from a snapshot and the WAL
	// after it. (Drawn after everything else, so no earlier draw shifts.)
	c.Raft.SnapshotEntries, c.Raft.SnapshotBytes, c.Raft.MaxSnapshotChunk = 0, 0, 0
	if r.Below(4) != 0 {
		if r.Below(2) == 0 {
			c.Raft.SnapshotEntries = pick(8, 32, 128, 512)
		} else {
			c.Raft.SnapshotBytes = pick(1, 8, 64) << 10
		}
		c.Raft.MaxSnapshotChunk = pick(64, 512, 4096, 64<<10)
	}
	// Half the disks write back in the background: a crash then keeps
	// an ordered prefix of the writes not yet synced, half the time, so
	// that the order of writes between two fsyncs is tested too.
	c.Disk.Writeback = harness.Prob(0)
	if r.Below(2) == 0 {
		c.Disk.Writeback = harness.Prob(0.5)
	}
	// A world whose faults change the membership (nemesis.Swarm draws
	// them in one of three) has 0–2 spare nodes besides its voters, for
	// the nemesis to add as learners and voters and to replace voters by.
	spares := int(r.Below(3))
	// Half the worlds bound flow tightly, in bytes of payload: the
	// leader's uncommitted backlog (proposals past it are refused), one
	// MsgApp and one Ready's committed entries, each at a size a few
	// entries reach, so that every bound is hit.
	c.Raft.MaxUncommittedBytes, c.Raft.MaxMsgBytes, c.Raft.MaxCommittedBytesPerReady = 0, 0, 0
	if r.Below(2) == 0 {
		c.Raft.MaxUncommittedBytes = uint64(pick(64, 256, 1024, 16<<10))
		c.Raft.MaxMsgBytes = uint64(pick(16, 64, 512, 4096))
		c.Raft.MaxCommittedBytesPerReady = uint64(pick(16, 64, 512, 4096))
		// A byte bound can cut an append to one entry: keep the window
		// wide enough that a follower still gets 16 entries a round
		// trip, or one that must catch up a long log (a replaced disk)
		// never does within the liveness bound.
		for c.Raft.MaxInflightMsgs < 16 {
			c.Raft.MaxInflightMsgs *= 2
		}
	}

	if c.System != "" && c.System != "bundled" {
		// Only the bundled node applies behind its Raft.
		c.Raft.ApplyDelay = 0
	}
	if !keep("nodes") {
		c.Nodes = nodes
	}
	if !keep("clients") {
		c.Clients = clients
	}
	if !keep("workload") {
		c.Workload = workload
	}
	if !keep("keys") {
		c.Keys = keys
	}
	if !keep("ops-per-key") {
		c.OpsPerKey = opsPerKey
	}
	if !keep("rate") {
		c.Rate = rate
	}
	if !keep("read-mode") {
		c.Server.ReadMode = kv.ReadIndex
		// etcd's lease reads are not drawn: they are not safe (a leader
		// cut off keeps its lease until its next CheckQuorum, up to two
		// election timeouts, while its followers elect another after
		// one; and a paused leader's lease outlives the pause). Asked
		// for (--read-mode lease), they are tested, and fail.
		if lease && (c.System == "" || c.System == "bundled") {
			c.Server.ReadMode = kv.ReadLease
		}
	}
	if !keep("time") {
		c.Time = length
	}
	// Leases need CheckQuorum; without leases, a quarter of the seeds run
	// without it, where nothing but the vote's durability stops a
	// restarted node from voting twice in a term.
	c.Raft.CheckQuorum = c.Server.ReadMode == kv.ReadLease || !noCheckQuorum
	if c.System != "" && c.System != "bundled" {
		// etcd's server always runs etcd/raft with CheckQuorum; without
		// it (and without PreVote) a removed or cut-off node that keeps
		// campaigning holds the cluster without a leader, by etcd's
		// design (swarm seeds 60000106 and 60000187 did).
		c.Raft.CheckQuorum = true
	}
	c.Server.SessionTTL = sessionTTL
	faults := SwarmFaults(c.Seed)
	c.Disk.Torn = harness.Prob(faults.Torn)
	// --nemesis swarm, given explicitly, still means this seed's own
	// fault world, not the one of whatever seed the flags were parsed
	// with (which a soak would otherwise share across all its seeds).
	if !keep("nemesis") || c.Swarm {
		c.Swarm = true
		c.Nemesis = faults.Nemesis
	}
	c.FitMembershipFaults()
	if c.Server.ReadMode == kv.ReadLease {
		c.Server.MaxDrift = maxDrift
		if c.System != "" && c.System != "bundled" {
			// etcd's lease (ReadOnlyLeaseBased) counts ticks and allows
			// for no drift: its clocks must keep pace.
			c.Server.MaxDrift = 0
		}
		// A fault world the seed draws (--nemesis swarm) is fitted too.
		c.FitLeaseReads(!keep("nemesis") || c.Swarm)
	}
	if !keep("nemesis-interval") {
		c.Nemesis.Interval = interval
	}
	c.Raft.Voters = nil
	if !keep("nodes") && spares > 0 && slices.ContainsFunc(c.Nemesis.Kinds, isMembershipKind) {
		c.Raft.Voters = firstIDs(c.Nodes)
		c.Nodes += spares
	}
	c.SwarmWorld = true
	c.SwarmKept = nil
	for _, name := range SwarmOptions {
		if keep(name) {
			c.SwarmKept = append(c.SwarmKept, name)
		}
	}
}

// FitLeaseReads makes a lease-read world one whose lease reads are judged
// rather than excused: CheckQuorum on (a lease rests on it), clocks that
// drift within the lease's bound (one clock drifts at most DriftPPM slow
// and another as much fast, a ratio of (1+d)/(1-d), which the cap keeps
// within 1+MaxDrift; it is an intensity, so it holds for kinds given
// explicitly too)
// and are never set (a drift heals by its rate alone). With dropKinds, the
// kinds that set clocks, bumps and strobes, are taken out of the world;
// kinds given explicitly are kept. It does nothing to other read modes.
func (c *Config) FitLeaseReads(dropKinds bool) {
	if c.Server.ReadMode != kv.ReadLease {
		return
	}
	c.Raft.CheckQuorum = true
	if dropKinds {
		// A copy: the kinds may be shared with the configuration other
		// seeds start from, and DeleteFunc clears the tail it leaves.
		c.Nemesis.Kinds = slices.DeleteFunc(slices.Clone(c.Nemesis.Kinds), func(k string) bool { return k == "clock-bump" || k == "clock-strobe" })
		if len(c.Nemesis.Kinds) == 0 {
			c.Nemesis.Kinds = []string{"clock-drift"}
		}
	}
	c.Nemesis.Params.DriftPPM = min(c.Nemesis.Params.DriftPPM, HalfDrift(c.Server.MaxDrift))
	c.Nemesis.Params.DriftKeepsOffset = true
}

// HalfDrift is the most one clock may drift, fast or slow, while any two
// stay within bound of each other: (1+d)/(1-d) <= 1+bound, so
// d = bound/(2+bound).
func HalfDrift(bound harness.PPM) nemesis.PPM {
	const million = 1_000_000
	return nemesis.PPM(int64(bound) * million / (2*million + int64(bound)))
}

// SwarmAsDrawn reports whether a swarm run still has the world its seed
// draws; a shrunk one may not, and then only its results.json can replay
// it.
func (c Config) SwarmAsDrawn() bool {
	switch {
	case c.SwarmWorld:
		again := c
		again.UseSwarmWorld(c.SwarmKept)
		return reflect.DeepEqual(again, c)
	case c.Swarm:
		w := SwarmFaults(c.Seed)
		return reflect.DeepEqual(w.Nemesis, c.Nemesis) && harness.Prob(w.Torn) == c.Disk.Torn
	}
	return true
}

// isMembershipKind says a fault kind changes the configuration.
func isMembershipKind(name string) bool {
	k, ok := nemesis.Lookup(name)
	return ok && k.Group == "membership"
}

// firstIDs are the node IDs 1..n.
func firstIDs(n int) []uint64 {
	ids := make([]uint64, n)
	for i := range ids {
		ids[i] = uint64(i + 1)
	}
	return ids
}

// FitMembershipFaults keeps CheckQuorum in a world without PreVote whose
// faults change the membership. A node removed while cut off keeps
// campaigning, and a node still behind on the change counts it as a
// voter. With neither PreVote nor CheckQuorum's lease nothing stops its
// ever higher terms from deposing each leader before the leader brings the
// others up to date, and the cluster never recovers (thesis §4.2.3; swarm
// seed 9100157 did). That is Raft's design, not a bug, and a run that hits
// it fails liveness: such worlds keep CheckQuorum, as etcd's server always
// does. The swarm's draw and the guided soak's mutants both end with it.
func (c *Config) FitMembershipFaults() {
	if !c.Raft.PreVote && slices.ContainsFunc(c.Nemesis.Kinds, isMembershipKind) {
		c.Raft.CheckQuorum = true
	}
}
