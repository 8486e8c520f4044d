package main

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"raftcheck/checker"
	"raftcheck/harness/kv"
	"raftcheck/harness/raftnode"
)

// raftcheck zoo is a mutation test of the project: it plants known Raft
// bugs one at a time and measures how soon the default soak catches each.
// A harness is worth the bugs it finds; the zoo is how that is measured.
//
// Two kinds of bug live here. Switch bugs are planted by --bug NAME, which
// harness/raftnode and harness/kv honour. Patch bugs are source patches
// (zoo/*.patch, embedded): the historical Raft mistakes of the literature,
// each a small change to raft/ (or the WAL or service above it) of the kind
// a real engineer makes. They are applied to a copy of the module, never
// to the tree itself, so raft/ carries no bug switches.

// zooBug is one planted bug.
type zooBug struct {
	name   string
	about  string // what the bug does, in one line
	source string // where it is written down: paper section, issue, report
	// patch is the file under zoo/ that plants it; "" for a switch bug,
	// planted with --bug name.
	patch string
	// unreachable, when set, says why no state this Raft can reach shows
	// the bug: it is an equivalent mutant here (its unit test builds the
	// state by hand), kept because another Raft may reach it. The zoo
	// still runs it, and reports it apart.
	unreachable string
}

// unreachableBeyondLastNew is why commit-past-last-new and ack-last-index
// change nothing this Raft can reach: both act only when a follower
// accepts an append whose entries all match its log while a stale tail
// follows them. Here the first append a follower accepts from a leader
// starts exactly where their logs diverge (the leader's probe, guided by
// the follower's (index, term) hint, lands on the last agreeing index; a
// new leader's log ends with its own no-op, which no stale tail holds), so
// it truncates the stale tail; and every later append comes from the same
// leader, whose entries a follower's log then holds beyond lastNew. A
// follower's log beyond lastNew is therefore always the leader's: acking
// it, or committing into it, is true. The helpers' adversarial round found
// the same (commit-lastindex: the buggy path ran, harmlessly).
const unreachableBeyondLastNew = "no reachable state: a follower's first accepted append from a leader starts where their logs diverge (hint-guided probing, the leader's own no-op last), so the log past lastNew is always that leader's"

func (b zooBug) kind() string {
	if b.patch == "" {
		return "switch"
	}
	return "patch"
}

// zooPatchFiles are the source patches of zooPatches.
//
//go:embed zoo/*.patch
var zooPatchFiles embed.FS

// zoo are the switch bugs: --bug NAME plants one in a run or a soak.
var zoo = []zooBug{
	{name: raftnode.BugAckBeforeFsync,
		about:  "votes and append acknowledgements leave before the fsync that makes them true",
		source: "Raft paper Figure 2 (persistent state is \"updated on stable storage before responding to RPCs\"); etcd-io/raft doc.go, the Ready contract; deventlab/d-engine#329"},
	{name: raftnode.BugForgetVote,
		about:  "the vote is never written to disk, so a restarted node can vote twice in a term",
		source: "Scott et al., \"Fuzzing Raft for Fun and Publication\" (akka-raft); hashicorp/raft#661"},
	{name: kv.BugNoDedup,
		about:  "a retried command is applied again instead of answered from its session",
		source: "Ongaro, dissertation §6.3 (client sessions, exactly-once semantics)"},
	{name: kv.BugLeaderReads,
		about:  "a node that believes it leads serves reads without confirming it still does",
		source: "Kingsbury, Jepsen \"Call me maybe: etcd and Consul\" (2014); hashicorp/consul#54"},
	{name: raftnode.BugDropLargeAppends,
		about:  "the transport drops appends of more than 32 entries, so a follower that fell behind never catches up",
		source: "Jille/raft-grpc-transport#9 (AppendEntries over the gRPC message size limit fail); etcd-io/raft Config.MaxSizePerMsg"},
	{name: kv.BugReadBeforeApply,
		about:  "a confirmed ReadIndex read is answered before the store has applied the read index",
		source: "Ongaro, dissertation §6.4 step 4 (wait until the state machine has applied the read index)"},
	{name: kv.BugLocalExpiry,
		about:  "sessions expire on each node's own clock, not the leader's timestamps in the log, so replicas part",
		source: "Ongaro, dissertation §6.3 (session expiry must be deterministic: leader timestamps)"},
	{name: kv.BugSnapshotWithoutSessions,
		about:  "a snapshot keeps the sessions but not their last command, so a retry reaching a node that installed it is applied again",
		source: "Ongaro, dissertation §6.3 (client sessions are replicated state: a snapshot must carry them, last responses included)"},
}

// zooPatches are the patch bugs, each in zoo/<patch>.
var zooPatches = []zooBug{
	{name: "figure8-commit", patch: "figure8-commit.patch",
		about:  "the leader commits an entry of an earlier term by counting its replicas",
		source: "Raft paper §5.4.2 and Figure 8; logcabin/logcabin#44; goraft/raft#27; canonical/raft#220"},
	{name: "vote-not-recorded", patch: "vote-not-recorded.patch",
		about:  "a granted vote is not recorded in votedFor, so the node grants another in the same term",
		source: "Raft paper Figure 2 (votedFor); camunda/camunda#5356 (two leaders in one term)"},
	{name: "vote-not-synced", patch: "vote-not-synced.patch",
		about:  "a vote cast without a term change is not fsynced before the grant is sent",
		source: "Raft paper Figure 2 (stable storage before responding); hashicorp/raft#661 (vote persisted apart from the term)"},
	{name: "commit-past-last-new", patch: "commit-past-last-new.patch",
		about:       "a follower commits up to leaderCommit, not min(leaderCommit, index of last new entry)",
		source:      "Raft paper Figure 2, AppendEntries rule 5; etcd-io/etcd#1203; atomix/copycat#265",
		unreachable: unreachableBeyondLastNew},
	{name: "stale-append-truncates", patch: "stale-append-truncates.patch",
		about:  "a follower truncates after prevLogIndex on every append, so a stale one cuts matching newer entries",
		source: "Raft paper Figure 2, AppendEntries rule 3 (truncate only on conflict); Hoverbear/old-raft-rs#113 (reordered appends, after \"Fuzzing Raft for Fun and Publication\")"},
	{name: "lease-ignores-drift", patch: "lease-ignores-drift.patch",
		about:  "a lease read's lease is not shortened by the clock drift bound",
		source: "Ongaro, dissertation §6.4.1 (leases assume bounded clock drift); tikv/tikv#1127; sofastack/sofa-jraft#34"},
	{name: "quorum-half", patch: "quorum-half.patch",
		about:  "the quorum is ceil(n/2), not n/2+1: two halves of an even cluster both decide",
		source: "apache/geode#7126 (GEODE-9822, a quorum that is no majority splits even clusters)"},
	{name: "up-to-date-by-index", patch: "up-to-date-by-index.patch",
		about:  "the election restriction compares only the last log index, not the last term first",
		source: "Raft paper §5.4.1; sile/noraft#22; hashicorp/raft#94; neo4j/neo4j#6289"},
	{name: "stale-term-append", patch: "stale-term-append.patch",
		about:  "a follower processes AppendEntries from a leader of an older term",
		source: "Raft paper Figure 2, AppendEntries rule 1 (reply false if term < currentTerm); ktoso/akka-raft#54"},
	{name: "read-before-term-commit", patch: "read-before-term-commit.patch",
		about:  "a new leader serves ReadIndex reads before it has committed an entry of its own term",
		source: "Ongaro, dissertation §6.4 step 1; etcd-io/etcd#7331 (fixed by #7332); tikv/tikv#6340"},
	{name: "stale-term-ack", patch: "stale-term-ack.patch",
		about:  "a leader counts an append acknowledgement sent in an older term towards its matchIndex",
		source: "Raft paper §5.1 (stale-term messages are rejected); atomix/copycat#29 (matchIndex carried across terms)"},
	{name: "commit-regress", patch: "commit-regress.patch",
		about:  "a follower's commit index moves back when a heartbeat carries a lower one",
		source: "etcd-io/etcd#1203 (the commit index must never decrease); etcd-io/raft#25"},
	{name: "apply-uncommitted", patch: "apply-uncommitted.patch",
		about:  "entries are applied up to max(commit, durable) instead of min: uncommitted entries reach the state machine",
		source: "Raft paper Figure 2 (apply only up to commitIndex); camunda/camunda#3482"},
	{name: "check-quorum-never-fires", patch: "check-quorum-never-fires.patch",
		about:  "the leader resets its CheckQuorum timer on every heartbeat, so it never steps down without a quorum",
		source: "Ongaro, dissertation §6.2 (a leader steps down without a quorum); etcd-io/etcd#13527; kurrent-io/KurrentDB#3181"},
	{name: "probe-reject-ignored", patch: "probe-reject-ignored.patch",
		about:  "an off-by-one takes every rejected probe for a stale one, so a lagging follower stays behind forever",
		source: "scylladb/scylladb#9552 (a reject taken for stray leaves the cluster stuck); tikv/raft-rs#428"},
	{name: "prevote-ignores-log", patch: "prevote-ignores-log.patch",
		about:  "pre-votes are granted without the election restriction, so a stale node disrupts the cluster",
		source: "Ongaro, dissertation §9.6 (PreVote); ClickHouse/NuRaft#134"},
	{name: "wal-torn-tail-kept", patch: "wal-torn-tail-kept.patch",
		about:  "a torn WAL tail is skipped on recovery but not cut off, so later records land after garbage",
		source: "pmcfadin/cqlite#1390; amelielabs/amelie#17; hyperledger-labs/SmartBFT#101 (WAL repair)"},
	{name: "election-timeout-fixed", patch: "election-timeout-fixed.patch",
		about:  "the election timeout is not randomized, so candidates keep splitting the vote",
		source: "Raft paper §5.2 (randomized election timeouts); goraft/raft#13; databendlabs/openraft#1838"},
	{name: "heartbeat-commit-unbounded", patch: "heartbeat-commit-unbounded.patch",
		about:  "heartbeats carry the leader's commit index, not min(match, commit): followers commit entries they do not share",
		source: "etcd-io/raft#138 (the leader caps the heartbeat commit at Match); cockroachdb/cockroach#25173; atomix/copycat#265"},
	{name: "ack-last-index", patch: "ack-last-index.patch",
		about:       "a follower acknowledges its last index, not prevLogIndex+len(entries), so a stale tail counts as matched",
		source:      "Raft paper §5.3 (matchIndex); adjoint-io/raft#130 (match index set too high)",
		unreachable: unreachableBeyondLastNew},
	{name: "leader-counts-unsynced", patch: "leader-counts-unsynced.patch",
		about:  "the leader counts its own entries towards a quorum before they are durable",
		source: "Ongaro, dissertation §10.2.1; deventlab/d-engine#329 (leader commits on its in-memory index)"},
	{name: "lease-votes-after-term-change", patch: "lease-votes-after-term-change.patch",
		about:  "a follower moved to a higher term by a stale response votes inside its leader's lease",
		source: "this project, commit 1dfb8a2 (found in review); Ongaro, dissertation §6.4.1"},
	// Written by the adversarial rounds of issue 12 (bugs the default soak
	// missed at 200 seeds or more before the check that now sees them).
	{name: "check-quorum-miscounts", patch: "check-quorum-miscounts.patch",
		about:  "CheckQuorum counts active voters with > instead of >=: a leader with a bare quorum steps down",
		source: "Ongaro, dissertation §6.2 (a leader steps down after an election timeout without a majority); etcd-io/raft QuorumActive"},
	{name: "hardstate-commit-unclamped", patch: "hardstate-commit-unclamped.patch",
		about:  "the HardState written to the WAL carries the commit index, not min(commit, persisted): a torn write can commit a stale entry",
		source: "this project, raft.hardState and wal's TestATornHardStateNeverCommitsAStaleEntry (found in review); Raft paper Figure 2 (persistent state)"},
	{name: "retry-answered-stale", patch: "retry-answered-stale.patch",
		about:  "a retry of a session's latest command is answered stale instead of with its cached result",
		source: "Ongaro, dissertation §6.3 (a duplicate request gets the response saved for it)"},
	{name: "lease-one-tick-long", patch: "lease-one-tick-long.patch",
		about:  "a lease lasts ElectionTick ticks, not ElectionTick-1: one tick longer than a follower's promise not to vote",
		source: "Ongaro, dissertation §6.4.1 (the lease must end before a follower may vote again); tikv/tikv#1127"},
	{name: "sessions-expire-in-batches", patch: "sessions-expire-in-batches.patch",
		about:  "session expiry stops after four sessions per scan, in map order: replicas expire different sessions",
		source: "Ongaro, dissertation §6.3 (expiry must be deterministic: every server expires the same sessions)"},
	{name: "expired-session-revived", patch: "expired-session-revived.patch",
		about:  "a command for an expired session re-creates the session instead of being refused: a retry that outlived its session is applied again",
		source: "Ongaro, dissertation §6.3 (an expired session must be refused for good, or a retried command can execute twice)"},
	{name: "leader-without-noop", patch: "leader-without-noop.patch",
		about:  "a new leader appends no entry of its own term: until a client writes, it commits nothing of its term and can serve no read",
		source: "Ongaro and Ousterhout, Raft paper §8 (each leader commits a blank no-op entry at the start of its term); etcd-io/raft becomeLeader"},
	{name: "reads-survive-stepdown", patch: "reads-survive-stepdown.patch",
		about:  "a leader that steps down keeps its pending ReadIndex reads; leading again later, it confirms them with the read index of its old term",
		source: "Ongaro, dissertation §6.4 (a read's index is only good for the term whose leadership the round confirms); etcd-io/raft reset() renews readOnly"},
	{name: "vote-grant-keeps-timer", patch: "vote-grant-keeps-timer.patch",
		about:  "granting a vote does not restart the election timer: the voter may campaign at once against the candidate it just elected",
		source: "Ongaro and Ousterhout, Raft paper Figure 2 (a follower times out only without hearing from the leader or granting a vote); etcd-io/raft resets electionElapsed on a granted MsgVote"},
	{name: "prevote-counts-stale-grants", patch: "prevote-counts-stale-grants.patch",
		about:  "a pre-candidate counts pre-vote grants of an older round's term: it takes a real term without a majority behind it",
		source: "Ongaro, dissertation §9.6 (a pre-candidate proceeds only if a majority would vote for it); etcd-io/raft stepCandidate drops responses of another term"},
	{name: "vote-request-claims-term", patch: "vote-request-claims-term.patch",
		about:  "a vote request carries the candidate's current term as its last log term: voters judge a stale log up-to-date",
		source: "Ongaro and Ousterhout, Raft paper §5.4.1 and Figure 2 (RequestVote carries lastLogIndex and lastLogTerm)"},
	{name: "session-activity-not-refreshed", patch: "session-activity-not-refreshed.patch",
		about:  "a command does not refresh its session's last activity: busy clients' sessions expire one ttl after they open",
		source: "Ongaro, dissertation §6.3 (a session expires only after a period without requests from its client)"},
	{name: "wal-checksum-unchecked", patch: "wal-checksum-unchecked.patch",
		about:  "the WAL trusts a record whose length fits without checking its checksum: a torn write's garbage is recovered as entries",
		source: "Pillai et al., All File Systems Are Not Created Equal (OSDI 2014: torn and garbage-filled appends after a crash); etcd-io/etcd wal (each record's CRC checked, a torn tail cut at recovery)"},
	{name: "leader-yields-to-vote", patch: "leader-yields-to-vote.patch",
		about:  "with CheckQuorum, only followers disregard vote requests of later terms: a healthy leader is deposed by any node that lost touch",
		source: "Ongaro, dissertation §4.2.3 (a server within the election timeout of hearing from a leader, itself included, disregards RequestVote); etcd-io/raft inLease counts the leader"},
	{name: "set-members-in-map-order", patch: "set-members-in-map-order.patch",
		about:  "a set read lists its members in Go's map order: the same seed no longer reproduces its run, and replicas' answers depend on chance",
		source: "Go specification (map iteration order is unspecified); the state machine must be deterministic (Raft paper §5, replicated state machines)"},
	{name: "next-rewinds-on-ack", patch: "next-rewinds-on-ack.patch",
		about:  "an acknowledgement sets a follower's next index to just past what it acknowledged: everything in flight is sent again",
		source: "Raft paper §5.3 (nextIndex backs off only on a rejected AppendEntries); etcd-io/raft Progress.MaybeUpdate (Next only moves forward on an ack)"},
	// The fifth adversarial round (written by a helper against ac200ce;
	// each missed at 200 seeds before the check that now sees it).
	{name: "truncate-in-place", patch: "truncate-in-place.patch",
		about:  "a conflicting suffix is replaced in the log's own array: appends already in flight, which share it, change under the network",
		source: "Go slices share their arrays (the Go blog, \"Go Slices: usage and internals\"); etcd-io/raft's unstable log copies before it truncates (log_unstable.go truncateAndAppend)"},
	{name: "restart-persisted-zero", patch: "restart-persisted-zero.patch",
		about:  "a restarted node forgets how much of its log is durable: it writes commit 0 over the commit it recovered",
		source: "Raft paper Figure 2 (commitIndex only increases); etcd-io/raft raft.go loadState (a HardState commit out of range panics)"},
	{name: "session-clock-not-monotone", patch: "session-clock-not-monotone.patch",
		about:  "the sessions' clock takes every command's time, so a leader with a lagging clock moves it back: idle sessions live again",
		source: "Ongaro, dissertation §6.3 (sessions expire by a clock the log carries, which every replica advances alike)"},
	{name: "expire-before-clock-advance", patch: "expire-before-clock-advance.patch",
		about:  "idle sessions are looked for before the clock moves to the command's time: a command just past its session's ttl is served",
		source: "Ongaro, dissertation §6.3 (a session idle for longer than its timeout is expired before the next command)"},
	{name: "conflict-hint-strict", patch: "conflict-hint-strict.patch",
		about:  "a rejection's hint skips the entries whose term equals the append's previous term: the leader backs off past where the logs agree",
		source: "Raft paper §5.3 (the follower can include the term of the conflicting entry); etcd-io/raft log.go findConflictByTerm (fast log backtracking)"},
	{name: "check-quorum-randomized-interval", patch: "check-quorum-randomized-interval.patch",
		about:  "the leader checks its quorum at its randomized election timeout, not the base one: a leader cut off steps down up to twice as late",
		source: "Ongaro, dissertation §6.2 (a leader steps down if an election timeout elapses without a round of heartbeats to a majority); etcd-io/raft tickHeartbeat (the check runs every electionTimeout)"},
	{name: "read-quorum-without-leader", patch: "read-quorum-without-leader.patch",
		about:  "a ReadIndex round does not count the leader's own acknowledgement: reads stall whenever only a bare majority is up",
		source: "Ongaro, dissertation §6.4 (the leader's heartbeat round needs a majority, itself included); async-raft/async-raft#82, etcd-io/etcd#10589 (reads never answered with a quorum of one)"},
	// The seventh adversarial round (a helper against 8c6d5f2; missed in
	// 60 seeds, found at seed 92, before Recoverable Prefix).
	{name: "entries-before-hardstate", patch: "entries-before-hardstate.patch",
		about:  "a Ready's entries are written before its HardState: a crash between them leaves entries above the durable term, and the node cannot restart",
		source: "etcd-io/raft's Ready contract (HardState, Entries and Snapshot are persisted before messages are sent; recovery rejects entries past the HardState's term); etcd-io/etcd wal.Save writes entries then state in one fsync, never split"},
	// The eighth adversarial round (a helper against 2227038; missed in
	// 60 seeds, found at seed 239, before Match Only Grows).
	{name: "match-regresses-on-late-ack", patch: "match-regresses-on-late-ack.patch",
		about:  "an acknowledgement of any other index sets a follower's match: a late or duplicated one pulls it back, resending what the follower holds",
		source: "Raft paper Figure 2 (matchIndex increases monotonically); etcd-io/raft tracker/progress.go MaybeUpdate (Match only moves forward)"},
	{name: "snapshot-keeps-conflicting-suffix", patch: "snapshot-keeps-conflicting-suffix.patch",
		about:  "a follower installing a snapshot keeps the entries its log holds after the snapshot's index, without checking that the log holds the snapshot's last entry",
		source: "Ongaro, dissertation Figure 5.3 / thesis Figure 13 (InstallSnapshot steps 6–7: retain the suffix only if an entry matches the snapshot's last index and term, else discard the entire log)"},
	// Membership (issue 14).
	{name: "membership-before-own-term-commit", patch: "membership-before-own-term-commit.patch",
		about:  "a new leader proposes a configuration change before an entry of its own term has committed: a change of an earlier leader that it never saw can make a majority that does not overlap its own",
		source: "Ongaro, raft-dev 2015 \"bug in single-server membership changes\" (the fix: no change until the leader commits in its term); dissertation §4.1 errata"},
	{name: "learner-counted-in-quorum", patch: "learner-counted-in-quorum.patch",
		about:  "the commit index is the one a majority of every member holds, learners included: entries commit on a minority of the voters",
		source: "Ongaro, dissertation §4.2.1 (non-voting members do not count toward majorities); etcd-io/raft tracker (learners are outside the JointConfig)"},
	{name: "config-applied-on-commit-not-on-append", patch: "config-applied-on-commit-not-on-append.patch",
		about:  "a configuration change takes effect when it is applied, not when it enters the log: a leader commits in the old configuration after the new one was appended",
		source: "Ongaro, dissertation §4.1 (a server uses the latest configuration in its log, whether or not it is committed); hashicorp/raft#84"},
	{name: "removed-leader-keeps-leading", patch: "removed-leader-keeps-leading.patch",
		about:  "a leader removed from the configuration keeps leading after the removal commits",
		source: "Ongaro, dissertation §4.2.2 (a leader that is removed steps down once the change commits); etcd-io/etcd#11038"},
	{name: "joint-never-left", patch: "joint-never-left.patch",
		about:  "a leader never proposes leaving a joint configuration whose auto-leave committed: the cluster stays in it, needing both majorities for ever",
		source: "Ongaro, dissertation §4.3 (C_old,new is followed by C_new); etcd-io/etcd#12136 (a cluster stuck in a joint configuration)"},
	{name: "removed-node-disrupts", patch: "removed-node-disrupts.patch",
		about:  "vote requests from nodes outside the configuration are answered: a removed node that never learned of its removal raises the members' terms with every campaign",
		source: "Ongaro, dissertation §4.2.3 (disruptive servers: ignore RequestVote from servers outside the configuration while a leader is heard); etcd-io/etcd#11038"},
	// Leadership transfer (issue 14).
	{name: "transfer-without-catch-up", patch: "transfer-without-catch-up.patch",
		about:  "a leader tells its transfer's target to campaign at once, before the target's log has caught up with its own",
		source: "Ongaro, dissertation §3.10 (the prior leader first brings the target's log up to date, then sends TimeoutNow); etcd-io/raft stepLeader MsgTransferLeader"},
	{name: "lease-survives-transfer", patch: "lease-survives-transfer.patch",
		about:  "a leader that handed its office over keeps serving reads from its lease, though voters granted the new leader their votes within it",
		source: "Ongaro, dissertation §6.4.1 (a lease rests on voters refusing to vote while it lasts, which a transfer's vote bypasses); etcd-io/etcd#15343 (lease reads and leadership transfer)"},
	{name: "transfer-accepts-proposals", patch: "transfer-accepts-proposals.patch",
		about:  "a leader handing its office over keeps accepting proposals: its log keeps growing, and the target never catches up",
		source: "Ongaro, dissertation §3.10 (the prior leader stops accepting new client requests during the transfer); etcd-io/raft ErrProposalDropped while leadTransferee is set"},
	// Flow control (issue 14).
	{name: "uncommitted-bound-off-by-one", patch: "uncommitted-bound-off-by-one.patch",
		about:  "the leader checks its uncommitted bytes before adding the proposal, not after: one proposal past the bound is always accepted",
		source: "etcd-io/raft increaseUncommittedSize (refuses when the sum with the new entries would pass MaxUncommittedEntriesSize); etcd-io/etcd#12106"},
	{name: "msg-bytes-only-when-probing", patch: "msg-bytes-only-when-probing.patch",
		about:  "the byte bound of a MsgApp is applied to probes only: a follower catching up in the replicate state gets messages of any size",
		source: "etcd-io/raft MaxSizePerMsg (every append is bounded, probing or replicating); etcd-io/etcd#9633 (oversized messages rejected by the transport)"},
}

// allZooBugs lists every bug, switch bugs first.
func allZooBugs() []zooBug { return slices.Concat(zoo, zooPatches) }

// zooFirstSeedStride separates the starting seeds: start i soaks from
// 1 + i*zooFirstSeedStride, so --max-seeds may not exceed it.
const zooFirstSeedStride = 1000

// zooOptions are `raftcheck zoo`'s flags.
type zooOptions struct {
	bugs         []zooBug
	starts       int
	maxSeeds     int
	workers      int
	src          string
	keep         bool
	store        string
	json         bool
	startTimeout time.Duration
	maxMemoryMB  int
}

func parseZooFlags(args []string) (*zooOptions, error) {
	o := &zooOptions{}
	fs := flag.NewFlagSet("zoo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	only := fs.String("bug", "", "run only these bugs (comma-separated names; default: all)")
	fs.IntVar(&o.starts, "starts", 10, "soaks per bug, from first seeds 1, 1001, 2001, ...")
	fs.IntVar(&o.maxSeeds, "max-seeds", 60, "seeds per start before the bug counts as missed")
	fs.IntVar(&o.workers, "workers", runtime.NumCPU(), "seeds each soak runs in parallel")
	fs.StringVar(&o.src, "src", "", "the module source to plant bugs in (default: the module root containing the current directory)")
	fs.BoolVar(&o.keep, "keep", false, "keep each start's summary and failing runs under STORE/zoo-<UTC time>/")
	fs.StringVar(&o.store, "store", "store", "the store directory, for --keep")
	fs.BoolVar(&o.json, "json", false, "print one JSON object per bug (JSON Lines) instead of the table")
	fs.DurationVar(&o.startTimeout, "start-timeout", 10*time.Minute, "wall time one start may take; past it the start counts as missed")
	fs.IntVar(&o.maxMemoryMB, "max-memory", 4096, "MB of resident memory a soak may use; past it the soak is killed and its start counts as missed")
	if err := fs.Parse(args); err != nil {
		return nil, flagError(fs, err)
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected argument %q", fs.Arg(0))
	}
	switch {
	case o.starts < 1:
		return nil, usagef("--starts must be at least 1, got %d", o.starts)
	case o.maxSeeds < 1 || o.maxSeeds > zooFirstSeedStride:
		return nil, usagef("--max-seeds must be between 1 and %d (starts are %d seeds apart), got %d", zooFirstSeedStride, zooFirstSeedStride, o.maxSeeds)
	case o.workers < 1:
		return nil, usagef("--workers must be at least 1, got %d", o.workers)
	case o.startTimeout <= 0:
		return nil, usagef("--start-timeout must be positive, got %v", o.startTimeout)
	case o.maxMemoryMB < 64:
		return nil, usagef("--max-memory must be at least 64 (MB), got %d", o.maxMemoryMB)
	}
	bugs, err := selectZooBugs(*only)
	if err != nil {
		return nil, err
	}
	o.bugs = bugs
	if o.src == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, fmt.Errorf("finding the module: %w", err)
		}
		if o.src, err = findModuleRoot(wd); err != nil {
			return nil, usagef("%v", err)
		}
	}
	if o.src, err = filepath.Abs(o.src); err != nil {
		return nil, fmt.Errorf("--src: %w", err)
	}
	if _, err := os.Stat(filepath.Join(o.src, "go.mod")); err != nil {
		return nil, usagef("--src %s: no go.mod there", o.src)
	}
	return o, nil
}

// selectZooBugs resolves --bug: "" is every bug, otherwise a comma list
// of names, in the zoo's order.
func selectZooBugs(list string) ([]zooBug, error) {
	all := allZooBugs()
	if list == "" {
		return all, nil
	}
	want := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if !slices.ContainsFunc(all, func(b zooBug) bool { return b.name == name }) {
			names := make([]string, len(all))
			for i, b := range all {
				names[i] = b.name
			}
			return nil, usagef("--bug: unknown bug %q (want one of %s)", name, strings.Join(names, ", "))
		}
		want[name] = true
	}
	var bugs []zooBug
	for _, b := range all {
		if want[b.name] {
			bugs = append(bugs, b)
		}
	}
	return bugs, nil
}

// runZoo plants each bug, soaks it from every starting seed, and prints a
// row per bug. It exits 0 only if every bug was detected.
func runZoo(args []string, stdout io.Writer) (int, error) {
	o, err := parseZooFlags(args)
	if err != nil {
		return exitError, err
	}
	// An interrupted zoo kills its soak, and the deferred clean-up still
	// removes the temporary tree.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return (&zooRun{opts: o, out: stdout}).run(ctx)
}

// zooRun is one `raftcheck zoo`: a temporary copy of the module, the
// binaries built from it, and the rows measured so far.
type zooRun struct {
	opts     *zooOptions
	out      io.Writer
	tmp      string // removed when the zoo ends, however it ends
	tree     string // tmp/src: the module copy patches are applied to
	clean    string // the unpatched binary, built on first need
	keepRoot string // STORE/zoo-<time>, with --keep
}

func (z *zooRun) run(ctx context.Context) (int, error) {
	tmp, err := os.MkdirTemp("", "raftcheck-zoo-")
	if err != nil {
		return exitError, fmt.Errorf("temporary directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	z.tmp = tmp
	z.tree = filepath.Join(tmp, "src")
	if err := copyModule(z.opts.src, z.tree); err != nil {
		return exitError, fmt.Errorf("copying %s: %w", z.opts.src, err)
	}
	if z.opts.keep {
		z.keepRoot = filepath.Join(z.opts.store, "zoo-"+time.Now().UTC().Format("20060102T150405Z"))
	}
	if !z.opts.json {
		fmt.Fprintf(z.out, "zoo of %s: %d bugs, %d starts each, at most %d seeds per start, the default soak\n", z.opts.src, len(z.opts.bugs), z.opts.starts, z.opts.maxSeeds)
		fmt.Fprintln(z.out, zooTableHeader())
	}
	detected, unreachable := 0, 0
	for _, bug := range z.opts.bugs {
		row, err := z.measure(ctx, bug)
		if err != nil {
			return exitError, fmt.Errorf("bug %s: %w", bug.name, err)
		}
		if row.Detected {
			detected++
		}
		if bug.unreachable != "" {
			unreachable++
		}
		if err := z.print(row); err != nil {
			return exitError, err
		}
	}
	if !z.opts.json {
		fmt.Fprintf(z.out, "%d of %d bugs detected", detected, len(z.opts.bugs))
		if unreachable > 0 {
			fmt.Fprintf(z.out, "; %d of them unreachable in this Raft (equivalent mutants: --json says why)", unreachable)
		}
		fmt.Fprintln(z.out)
		if z.keepRoot != "" {
			fmt.Fprintf(z.out, "failing runs kept under %s\n", z.keepRoot)
		}
	}
	if detected < len(z.opts.bugs) {
		return exitInvalid, nil
	}
	return exitValid, nil
}

// measure builds the binary that plants bug and soaks it from each start.
func (z *zooRun) measure(ctx context.Context, bug zooBug) (zooRow, error) {
	began := time.Now()
	bin, err := z.binaryFor(ctx, bug)
	if err != nil {
		return zooRow{}, err
	}
	built := time.Since(began)
	var starts []zooStart
	for i := range z.opts.starts {
		first := uint64(1 + i*zooFirstSeedStride)
		st, err := z.soakStart(ctx, bin, bug, first)
		if err != nil {
			return zooRow{}, fmt.Errorf("start %d: %w", first, err)
		}
		starts = append(starts, st)
	}
	if bug.patch != "" {
		if err := os.Remove(bin); err != nil {
			return zooRow{}, err
		}
	}
	row := summarizeZooStarts(bug, z.opts.maxSeeds, starts)
	row.BuildSeconds = built.Seconds()
	row.WallSeconds = time.Since(began).Seconds()
	return row, nil
}

// binaryFor returns a raftcheck that plants bug: for a switch bug the
// module's own build (the soak gets --bug), for a patch bug a build of the
// module with the patch applied. The tree is restored after every build.
func (z *zooRun) binaryFor(ctx context.Context, bug zooBug) (string, error) {
	if bug.patch == "" {
		if z.clean == "" {
			bin := filepath.Join(z.tmp, "raftcheck-clean")
			if err := buildRaftcheck(ctx, z.tree, bin); err != nil {
				return "", fmt.Errorf("building %s: %w", z.opts.src, err)
			}
			z.clean = bin
		}
		return z.clean, nil
	}
	text, err := zooPatchFiles.ReadFile("zoo/" + bug.patch)
	if err != nil {
		return "", fmt.Errorf("reading its patch: %w", err)
	}
	originals, err := applyPatch(z.tree, string(text))
	if err != nil {
		return "", fmt.Errorf("patch %s no longer applies to %s: %w", bug.patch, z.opts.src, err)
	}
	bin := filepath.Join(z.tmp, "raftcheck-"+bug.name)
	buildErr := buildRaftcheck(ctx, z.tree, bin)
	if err := restoreFiles(z.tree, originals); err != nil {
		return "", fmt.Errorf("undoing its patch: %w", err)
	}
	if buildErr != nil {
		return "", fmt.Errorf("building with %s: %w", bug.patch, buildErr)
	}
	return bin, nil
}

// zooStart is one start: a soak from First with --fail-fast, capped at
// --max-seeds.
type zooStart struct {
	First uint64 `json:"first"`
	// SeedsRun counts the seeds up to and including the detecting one,
	// or the cap when none detected the bug.
	SeedsRun int  `json:"seeds_run"`
	Detected bool `json:"detected"`
	// Seed is the first seed whose run was invalid, and Checkers the
	// checkers that found it so.
	Seed     uint64   `json:"seed,omitempty"`
	Checkers []string `json:"checkers,omitempty"`
	// Unknown counts seeds before Seed (or the cap) whose verdict was
	// unknown: not a detection, but not a clean pass either.
	Unknown int `json:"unknown,omitempty"`
	// TimedOut and OverMemory: the start passed --start-timeout or
	// --max-memory and was stopped; it counts as missed.
	TimedOut   bool   `json:"timed_out,omitempty"`
	OverMemory bool   `json:"over_memory,omitempty"`
	Kept       string `json:"kept,omitempty"`
}

// soakStart runs the binary's default soak from first until a seed is
// invalid or --max-seeds seeds ran. A seed whose verdict is unknown stops a
// --fail-fast soak without detecting anything, so the soak is started again
// after it.
func (z *zooRun) soakStart(ctx context.Context, bin string, bug zooBug, first uint64) (zooStart, error) {
	st := zooStart{First: first}
	ctx, cancel := context.WithTimeout(ctx, z.opts.startTimeout)
	defer cancel()
	next, left := first, z.opts.maxSeeds
	for left > 0 {
		out := filepath.Join(z.tmp, "soak", bug.name, fmt.Sprintf("s%d", next))
		if z.keepRoot != "" {
			out = filepath.Join(z.keepRoot, bug.name, fmt.Sprintf("s%d", next))
		}
		if abs, err := filepath.Abs(out); err == nil {
			out = abs
		}
		sum, err := z.soak(ctx, bin, bug, next, left, out)
		// A start that ran out of time or memory gave no verdict for the
		// seeds it was running, and its summary was never written: it
		// counts as missed, over the whole cap.
		switch {
		case errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil:
			st.TimedOut = true
			st.SeedsRun = z.opts.maxSeeds
			return st, nil
		case errors.Is(err, errSoakOverMemory):
			st.OverMemory = true
			st.SeedsRun = z.opts.maxSeeds
			return st, nil
		}
		if err != nil {
			return st, err
		}
		ran, found := scanZooSoak(sum, next, &st)
		if z.keepRoot != "" && sum.Failures == 0 {
			if err := os.RemoveAll(out); err != nil {
				return st, err
			}
		} else if z.keepRoot != "" {
			st.Kept = out
		}
		if found {
			st.SeedsRun = int(st.Seed-first) + 1
			return st, nil
		}
		if ran == 0 {
			return st, fmt.Errorf("soak from seed %d stopped without a verdict for it", next)
		}
		next += uint64(ran)
		left -= ran
	}
	st.SeedsRun = z.opts.maxSeeds
	return st, nil
}

// errSoakOverMemory is a soak killed for passing --max-memory.
var errSoakOverMemory = errors.New("the soak passed its memory limit")

// soak runs one soak of bin and reads its summary.
//
// It is the binary's default soak: no flag but the seeds, the workers and
// where to write, so the zoo measures whatever the default soak is at the
// time. One exception: failing seeds are not shrunk (--shrink 0) unless
// --keep asks to keep them. Shrinking changes nothing of what the zoo
// measures, which seed first fails and which checker says so, and would
// add up to 30 runs per detection to every start's wall time.
func (z *zooRun) soak(ctx context.Context, bin string, bug zooBug, first uint64, seeds int, out string) (*soakSummary, error) {
	args := []string{"soak", "--seeds", fmt.Sprint(seeds), "--first", fmt.Sprint(first), "--fail-fast",
		"--workers", fmt.Sprint(z.opts.workers), "--out", out}
	if !z.opts.keep {
		args = append(args, "--shrink", "0")
	}
	if bug.patch == "" {
		args = append(args, "--bug", bug.name)
	}
	res, err := runChild(ctx, bin, z.tmp, args, int64(z.opts.maxMemoryMB)<<20)
	if err != nil {
		return nil, err
	}
	if res.overMemory {
		return nil, errSoakOverMemory
	}
	if res.code != exitValid && res.code != exitInvalid && res.code != exitUnknown {
		return nil, fmt.Errorf("raftcheck %s exited %d: %s", strings.Join(args, " "), res.code, firstLines(res.stderr, 1))
	}
	sum, err := readSummary(out)
	if err != nil {
		return nil, fmt.Errorf("reading the soak's summary: %w", err)
	}
	sortSeeds(sum.Seeds)
	return sum, nil
}

// scanZooSoak reads a --fail-fast soak's verdicts in seed order from
// first. Parallel workers may have run seeds past the failing one, but
// every seed below it ran: seeds are handed out in order and each worker
// finishes the seed it took. It returns how many consecutive seeds from
// first it read, and whether one was invalid (recorded in st).
func scanZooSoak(sum *soakSummary, first uint64, st *zooStart) (ran int, found bool) {
	want := first
	for _, v := range sum.Seeds {
		if v.Seed < want {
			continue
		}
		if v.Seed != want {
			break
		}
		want++
		switch v.Valid {
		case checker.Valid:
			continue
		case checker.Unknown:
			st.Unknown++
			continue
		}
		st.Detected = true
		st.Seed = v.Seed
		st.Checkers = failingCheckers(v)
		return int(want - first), true
	}
	return int(want - first), false
}

// failingCheckers names the checkers that found a run invalid: from its
// results.json when the run directory is there, else from the summary
// line ("name=false: ...; other=unknown: ...", see summarize).
func failingCheckers(v seedVerdict) []string {
	var names []string
	if b, err := os.ReadFile(filepath.Join(v.Dir, "results.json")); err == nil && v.Dir != "" {
		var res struct {
			Checkers map[string]struct {
				Valid json.RawMessage `json:"valid"`
			} `json:"checkers"`
		}
		if json.Unmarshal(b, &res) == nil {
			for name, c := range res.Checkers {
				if string(c.Valid) == "false" {
					names = append(names, name)
				}
			}
		}
	}
	if len(names) == 0 {
		for _, part := range strings.Split(v.Summary, "; ") {
			if name, _, ok := strings.Cut(part, "="+checker.Invalid.String()+":"); ok && !strings.ContainsAny(name, " :;") {
				names = append(names, name)
			}
		}
	}
	sort.Strings(names)
	return names
}

// zooRow is one bug's measurement: a row of the table, an object of --json.
type zooRow struct {
	Bug    string `json:"bug"`
	Kind   string `json:"kind"` // switch or patch
	About  string `json:"about"`
	Source string `json:"source"`
	// Unreachable says why no state this Raft can reach shows the bug
	// (an equivalent mutant here); empty for the others.
	Unreachable    string `json:"unreachable,omitempty"`
	Detected       bool   `json:"detected"`
	Starts         int    `json:"starts"`
	StartsDetected int    `json:"starts_detected"`
	// CaughtBy is the checker that found the bug in the most starts
	// (ties: the first by name); CaughtByStarts counts every checker.
	CaughtBy       string         `json:"caught_by,omitempty"`
	CaughtByStarts map[string]int `json:"caught_by_starts,omitempty"`
	// MedianSeeds and MaxSeeds are seeds to detection over the starts; a
	// start that missed counts as beyond the cap, and the figure is null
	// when it is beyond the cap.
	MedianSeeds *float64 `json:"median_seeds"`
	MaxSeeds    *int     `json:"max_seeds"`
	SeedCap     int      `json:"seed_cap"`
	// SeedsRun and DetectionRate: p = detections / seeds run, over all
	// starts. Findability is the seeds a clean soak needs to be 99% sure
	// a bug this findable is absent, ceil(ln 0.01 / ln(1-p)); null for p = 0.
	SeedsRun       int     `json:"seeds_run"`
	DetectionRate  float64 `json:"detection_rate"`
	Findability    *int    `json:"findability_seeds"`
	UnknownSeeds   int     `json:"unknown_seeds"`
	TimedOutStarts int     `json:"timed_out_starts"`
	// OverMemoryStarts were killed for passing --max-memory (a planted
	// bug that makes runs grow without end, such as a message storm).
	OverMemoryStarts int        `json:"over_memory_starts"`
	BuildSeconds     float64    `json:"build_seconds"`
	WallSeconds      float64    `json:"wall_seconds"`
	StartResults     []zooStart `json:"start_results"`
}

// summarizeZooStarts turns a bug's starts into its row.
func summarizeZooStarts(bug zooBug, seedCap int, starts []zooStart) zooRow {
	row := zooRow{Bug: bug.name, Kind: bug.kind(), About: bug.about, Source: bug.source, Unreachable: bug.unreachable,
		Starts: len(starts), SeedCap: seedCap, StartResults: starts, CaughtByStarts: map[string]int{}}
	// toDetect holds seeds to detection, math.MaxInt for a missed start.
	toDetect := make([]int, 0, len(starts))
	for _, st := range starts {
		row.SeedsRun += st.SeedsRun
		row.UnknownSeeds += st.Unknown
		if st.TimedOut {
			row.TimedOutStarts++
		}
		if st.OverMemory {
			row.OverMemoryStarts++
		}
		if !st.Detected {
			toDetect = append(toDetect, math.MaxInt)
			continue
		}
		row.StartsDetected++
		toDetect = append(toDetect, st.SeedsRun)
		for _, c := range st.Checkers {
			row.CaughtByStarts[c]++
		}
	}
	row.Detected = row.StartsDetected > 0
	best := 0
	for name, n := range row.CaughtByStarts {
		if n > best || (n == best && name < row.CaughtBy) {
			row.CaughtBy, best = name, n
		}
	}
	if len(row.CaughtByStarts) == 0 {
		row.CaughtByStarts = nil
	}
	slices.Sort(toDetect)
	if n := len(toDetect); n > 0 {
		lo, hi := toDetect[(n-1)/2], toDetect[n/2]
		if hi != math.MaxInt {
			m := float64(lo+hi) / 2
			row.MedianSeeds = &m
		}
		if mx := toDetect[n-1]; mx != math.MaxInt {
			row.MaxSeeds = &mx
		}
	}
	if row.SeedsRun > 0 {
		row.DetectionRate = float64(row.StartsDetected) / float64(row.SeedsRun)
	}
	row.Findability = seedsFor99(row.DetectionRate)
	return row
}

// seedsFor99 is how many clean seeds make a bug caught with probability p
// per seed less than 1% likely to be present: the smallest n with
// (1-p)^n <= 0.01. nil when p is 0: no number of seeds suffices.
func seedsFor99(p float64) *int {
	switch {
	case p <= 0:
		return nil
	case p >= 1:
		n := 1
		return &n
	}
	// The epsilon keeps a quotient that is whole in exact arithmetic
	// (p = 0.99 gives 1) from rounding up past it.
	n := max(1, int(math.Ceil(math.Log(0.01)/math.Log1p(-p)-1e-9)))
	return &n
}

const zooRowFormat = "%-30s %-6s %-6s %-22s %6s %5s %9s %8s  %s"

func zooTableHeader() string {
	return fmt.Sprintf(zooRowFormat, "bug", "kind", "found", "caught by", "median", "max", "99%-seeds", "wall", "notes")
}

// zooNotes says what kept starts from a verdict: seeds whose verdict was
// unknown, starts stopped for time or memory.
func zooNotes(row zooRow) string {
	var notes []string
	for _, n := range []struct {
		count int
		what  string
	}{{row.UnknownSeeds, "unknown seeds"}, {row.TimedOutStarts, "starts timed out"}, {row.OverMemoryStarts, "starts over memory"}} {
		if n.count > 0 {
			notes = append(notes, fmt.Sprintf("%d %s", n.count, n.what))
		}
	}
	if row.Unreachable != "" {
		notes = append(notes, "unreachable in this Raft")
	}
	return strings.Join(notes, ", ")
}

func (z *zooRun) print(row zooRow) error {
	if z.opts.json {
		b, err := json.Marshal(row)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(z.out, "%s\n", b)
		return err
	}
	over := fmt.Sprintf(">%d", row.SeedCap)
	median, maxSeeds, find, by := over, over, "inf", row.CaughtBy
	if row.MedianSeeds != nil {
		median = strings.TrimSuffix(fmt.Sprintf("%.1f", *row.MedianSeeds), ".0")
	}
	if row.MaxSeeds != nil {
		maxSeeds = fmt.Sprint(*row.MaxSeeds)
	}
	if row.Findability != nil {
		find = fmt.Sprint(*row.Findability)
	}
	if by == "" {
		by = "-"
	}
	line := fmt.Sprintf(zooRowFormat, row.Bug, row.Kind, fmt.Sprintf("%d/%d", row.StartsDetected, row.Starts),
		by, median, maxSeeds, find, (time.Duration(row.WallSeconds*10) * time.Second / 10).String(), zooNotes(row))
	_, err := fmt.Fprintln(z.out, strings.TrimRight(line, " "))
	return err
}
