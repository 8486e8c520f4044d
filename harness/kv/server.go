package kv

import (
	"errors"
	"fmt"
	"time"

	"raftcheck/harness"
	"raftcheck/harness/raftnode"
	"raftcheck/raft"
)

// ReadMode is how a server serves reads.
type ReadMode string

// The read modes.
const (
	// ReadIndex confirms leadership with a quorum round for every read
	// (dissertation §6.4): linearizable whatever the clocks do.
	ReadIndex ReadMode = "index"
	// ReadLease serves reads while the leader holds a lease on its local
	// clock: linearizable while clock drift stays within Config.MaxDrift.
	ReadLease ReadMode = "lease"
	// ReadLocal serves reads from whatever node is asked, from its own
	// state: NOT linearizable, on purpose, to show the checkers catch it.
	ReadLocal ReadMode = "local"
)

// ParseReadMode reads "index", "lease" or "local".
func ParseReadMode(s string) (ReadMode, error) {
	switch m := ReadMode(s); m {
	case ReadIndex, ReadLease, ReadLocal:
		return m, nil
	}
	return "", fmt.Errorf("read mode %q: want index, lease or local", s)
}

// Config is how every server of a cluster behaves.
type Config struct {
	ReadMode ReadMode `json:"read_mode"`
	// SessionTTL is how long a session lives without a command, on the
	// leaders' clocks as stamped into the log.
	SessionTTL time.Duration `json:"session_ttl"`
	// MaxDrift bounds, in parts per million, how much faster any node's
	// clock may run than any other's. A lease is shortened by this much;
	// clocks that drift further apart may break lease reads.
	MaxDrift harness.PPM `json:"max_drift_ppm"`
	// Bug plants a known bug in the service, on purpose, to show that the
	// checkers catch it (raftcheck zoo); "" for none. See bugs.go.
	Bug string `json:"bug,omitempty"`
}

// DefaultConfig serves ReadIndex reads, expires sessions after 60s idle,
// and allows 5% of clock drift for leases.
func DefaultConfig() Config {
	return Config{ReadMode: ReadIndex, SessionTTL: 60 * time.Second, MaxDrift: 50_000}
}

// Validate reports a configuration that cannot run.
func (c Config) Validate() error {
	if _, err := ParseReadMode(string(c.ReadMode)); err != nil {
		return err
	}
	if c.SessionTTL <= 0 {
		return fmt.Errorf("kv: session ttl must be positive, got %v", c.SessionTTL)
	}
	if c.MaxDrift < 0 || c.MaxDrift >= 1_000_000 {
		return fmt.Errorf("kv: max drift must be in [0, 1000000) ppm, got %d", c.MaxDrift)
	}
	if c.Bug != "" && !bugs[c.Bug] {
		return fmt.Errorf("kv: unknown bug %q", c.Bug)
	}
	return nil
}

type writeKey struct{ session, seq uint64 }

type pendingRead struct {
	from harness.Addr
	req  Request
	// floor is what was committed anywhere when the read arrived, for the
	// watcher; how is how it is being served.
	floor uint64
	how   string
}

type readyRead struct {
	index uint64
	pendingRead
}

type leaseProbe struct {
	sentAt time.Duration // local clock when the probe was registered
	term   uint64
}

// Server is the service a node runs: a raftnode.App. It is rebuilt at every
// restart and recovers by applying the log from the first entry.
type Server struct {
	cfg   Config
	host  raftnode.Host
	store *Store

	// term is the Raft term last seen; a change drops what was pending
	// on the old leadership (its clients retry elsewhere).
	term uint64
	// writes are the clients waiting here for a command to be applied.
	writes map[writeKey]harness.Addr
	// reads await their ReadIndex confirmation; probes are the lease's own
	// ReadIndex rounds. Both are keyed by the request context.
	nextCtx uint64
	reads   map[uint64]pendingRead
	probes  map[uint64]leaseProbe
	// ready are confirmed reads waiting for the store to reach their index.
	ready []readyRead
	// leaseUntil is when, on the local clock, the lease of leaseTerm ends.
	leaseUntil time.Duration
	leaseTerm  uint64
	leaseProbe uint64 // the probe whose confirmation set leaseUntil
	// Served counts the reads this incarnation answered, by how.
	Served ReadCounts
	// watch, if set, is told of every linearizable read answered and every
	// entry applied (watcher.go).
	watch Watcher
}

// ReadCounts count reads by the way they were served.
type ReadCounts struct {
	Index, Lease, Local int
}

// NewServer returns a factory of servers for raftnode.New.
func NewServer(cfg Config) func() raftnode.App {
	return func() raftnode.App {
		return &Server{
			cfg:    cfg,
			store:  newStore(cfg.SessionTTL, cfg.Bug == BugNoDedup),
			writes: map[writeKey]harness.Addr{},
			reads:  map[uint64]pendingRead{},
			probes: map[uint64]leaseProbe{},
		}
	}
}

// Store is the server's state machine.
func (s *Server) Store() *Store { return s.store }

// leaseTimerTag is the app timer that renews the lease.
const leaseTimerTag = 1

// Start begins renewing the lease, in lease mode.
func (s *Server) Start(h raftnode.Host) {
	s.host = h
	if s.cfg.ReadMode == ReadLease {
		h.SetTimer(s.probeInterval(), leaseTimerTag)
	}
}

func (s *Server) probeInterval() time.Duration {
	c := s.host.Config()
	return time.Duration(c.HeartbeatTick) * c.TickInterval
}

// leaseDuration is how long after a quorum-confirmed round no other leader
// can exist, on this node's clock. A follower that heard from us refuses
// votes until its election timer has run ElectionTick ticks, which can be
// as little as ElectionTick-1 tick intervals after the message (it may
// arrive just before a tick); a node that restarts refuses votes for as
// long after booting. Clocks may run MaxDrift apart.
func (s *Server) leaseDuration() time.Duration {
	c := s.host.Config()
	base := time.Duration(c.ElectionTick-1) * c.TickInterval
	return base - time.Duration(int64(base)/1_000_000*int64(s.cfg.MaxDrift))
}

// Timer renews the lease: while leading, every heartbeat interval, a
// ReadIndex round whose confirmation proves that a quorum heard from us
// after it started.
func (s *Server) Timer(tag uint64) {
	if tag != leaseTimerTag {
		return
	}
	s.host.SetTimer(s.probeInterval(), leaseTimerTag)
	s.observeTerm()
	st := s.host.Status()
	if st.State != raft.StateLeader || s.host.Config().LeaseBasedReadIndex {
		return // the Raft keeps the lease itself
	}
	s.nextCtx++
	if err := s.host.ReadIndex(s.nextCtx); err == nil {
		s.probes[s.nextCtx] = leaseProbe{sentAt: s.host.Env().Now(), term: st.Term}
		if s.watch != nil {
			s.watch.LeaseProbe(s.host.Env().Addr(), s.nextCtx)
		}
	}
}

// observeTerm drops what belonged to an older leadership.
func (s *Server) observeTerm() {
	t := s.host.Status().Term
	if t == s.term {
		return
	}
	s.term = t
	s.writes = map[writeKey]harness.Addr{}
	// Pending reads and probes come back as Lost read states; confirmed
	// reads waiting for the store are still good: their index was
	// confirmed while we led.
}

// Receive handles a client's request.
func (s *Server) Receive(from harness.Addr, payload any) {
	req, ok := payload.(Request)
	if !ok {
		s.host.Env().Note("kv: ignoring a %T", payload)
		return
	}
	s.observeTerm()
	switch {
	case req.Register:
		s.propose(from, req, Command{Kind: CmdRegister, Seq: req.Seq})
	case req.Op.Validate() != nil:
		// A request this server cannot parse fails definitely.
		s.reply(from, req, Response{Status: StatusFail})
	case req.Op.IsRead():
		s.read(from, req)
	default:
		if out, ok := s.store.Cached(req.Session, req.Seq); ok && s.isLeader() {
			s.reply(from, req, Response{Status: out.Status, Result: out.Result})
			return
		}
		s.propose(from, req, Command{Kind: CmdOp, Session: req.Session, Seq: req.Seq, Op: req.Op})
	}
}

func (s *Server) isLeader() bool { return s.host.Status().State == raft.StateLeader }

func (s *Server) propose(from harness.Addr, req Request, cmd Command) {
	cmd.Time = int64(s.host.Env().Now())
	if _, _, err := s.host.Propose(cmd.Encode()); err != nil {
		s.notLeader(from, req, err)
		return
	}
	key := writeKey{req.Session, req.Seq}
	if req.Register {
		key = writeKey{0, req.Seq}
	}
	s.writes[key] = from
}

func (s *Server) read(from harness.Addr, req Request) {
	p := pendingRead{from: from, req: req, how: "index"}
	if s.watch != nil {
		p.floor = s.watch.CommittedAnywhere()
	}
	switch s.cfg.ReadMode {
	case ReadLocal:
		s.Served.Local++
		s.reply(from, req, Response{Status: StatusOK, Result: s.store.Read(req.Op)})
		return
	case ReadIndex:
		if st := s.host.Status(); s.cfg.Bug == BugLeaderReads && st.State == raft.StateLeader {
			// Planted: a node that believes it leads answers at once,
			// without confirming it still does.
			s.Served.Local++
			p.how = "unconfirmed"
			s.answerRead(readyRead{index: s.store.Applied(), pendingRead: p})
			return
		}
	case ReadLease:
		if s.host.Config().LeaseBasedReadIndex {
			// The Raft's ReadIndex answers from its own lease.
			s.Served.Lease++
			p.how = "lease"
			break
		}
		st := s.host.Status()
		if st.State == raft.StateLeader && s.leaseTerm == st.Term && s.host.Env().Now() < s.leaseUntil && !st.HandedOver {
			// No other leader can exist before the lease ends, so our
			// commit index covers every write acknowledged anywhere;
			// unless this leader handed its office over (a transfer),
			// when voters grant the target their votes within the lease.
			s.Served.Lease++
			p.how = "lease"
			if s.watch != nil {
				s.watch.LeaseRead(s.host.Env().Addr(), st.Term, s.leaseProbe)
			}
			s.ready = append(s.ready, readyRead{index: st.Commit, pendingRead: p})
			s.serveReady()
			return
		}
	}
	// ReadIndex, and lease mode without a lease.
	s.nextCtx++
	if err := s.host.ReadIndex(s.nextCtx); err != nil {
		s.notLeader(from, req, err)
		return
	}
	s.reads[s.nextCtx] = p
}

// answerRead answers a linearizable read from the applied state, and tells
// the watcher what it was answered from.
func (s *Server) answerRead(r readyRead) {
	p := r.pendingRead
	if s.watch != nil {
		s.watch.ReadServed(ServedRead{
			Node: s.host.Env().Addr(), Key: p.req.Op.Key, How: p.how,
			Floor: p.floor, Index: r.index, Applied: s.store.Applied(), Term: s.host.Status().Term,
		})
	}
	s.reply(p.from, p.req, Response{Status: StatusOK, Result: s.store.Read(p.req.Op), Read: true, Applied: s.store.Applied()})
}

// ReadStates takes confirmed and lost ReadIndex rounds.
func (s *Server) ReadStates(states []raft.ReadState) {
	for _, rs := range states {
		if p, ok := s.probes[rs.RequestCtx]; ok {
			delete(s.probes, rs.RequestCtx)
			if !rs.Lost && p.term == s.host.Status().Term {
				if until := p.sentAt + s.leaseDuration(); p.term != s.leaseTerm || until > s.leaseUntil {
					s.leaseUntil, s.leaseTerm, s.leaseProbe = until, p.term, rs.RequestCtx
				}
			}
			continue
		}
		r, ok := s.reads[rs.RequestCtx]
		if !ok {
			continue
		}
		delete(s.reads, rs.RequestCtx)
		if rs.Lost {
			s.notLeader(r.from, r.req, nil)
			continue
		}
		s.Served.Index++
		index := rs.Index
		if s.cfg.Bug == BugReadBeforeApply {
			// Planted: answer from whatever has been applied.
			index = 0
		}
		s.ready = append(s.ready, readyRead{index: index, pendingRead: r})
	}
	s.serveReady()
}

// serveReady answers the confirmed reads whose index the store has reached.
func (s *Server) serveReady() {
	applied := s.store.Applied()
	kept := s.ready[:0]
	for _, r := range s.ready {
		if r.index <= applied {
			s.answerRead(r)
		} else {
			kept = append(kept, r)
		}
	}
	s.ready = kept
}

// Apply applies a committed entry and answers its client if it waits here.
func (s *Server) Apply(e raft.Entry) {
	if s.cfg.Bug == BugLocalExpiry {
		// Planted: the session clock is this node's own.
		s.store.localClock = int64(s.host.Env().Now())
	}
	out, ok, err := s.store.Apply(e)
	if err != nil {
		s.host.Env().Fail(err)
		return
	}
	if s.watch != nil {
		if expired := s.store.Expired(); len(expired) > 0 {
			s.watch.Expired(s.host.Env().Addr(), e.Index, s.store.Clock(), expired)
		}
		var outcome *Outcome
		if ok {
			outcome = &out
		}
		s.watch.Applied(s.host.Env().Addr(), e.Index, s.store.Digest(), s.store.Clock(), outcome)
	}
	if ok {
		key := writeKey{out.Session, out.Seq}
		if out.Kind == CmdRegister {
			key = writeKey{0, out.Seq}
		}
		if from, waiting := s.writes[key]; waiting {
			delete(s.writes, key)
			s.reply(from, Request{Register: out.Kind == CmdRegister, Session: out.Session, Seq: out.Seq},
				Response{Status: out.Status, Result: out.Result})
		}
	}
	if len(s.ready) > 0 {
		s.serveReady()
	}
}

// Snapshot is the state machine, sessions included, after the last entry
// applied (raftnode.App).
func (s *Server) Snapshot() []byte {
	forget := s.cfg.Bug == BugSnapshotWithoutSessions
	data := s.store.snapshot(forget)
	if s.watch != nil {
		// For the oracle: what the snapshot restores to, beside what it
		// was taken from. A snapshot is the store's canonical encoding, so
		// the state it was taken from hashes as the snapshot does, unless
		// the planted bug made the snapshot something else.
		state := encodingHash(data)
		if forget {
			state = s.store.StateHash()
		}
		probe := newStore(s.cfg.SessionTTL, false)
		restored := uint64(0)
		if probe.Restore(data) == nil {
			restored = probe.StateHash()
		}
		s.watch.SnapshotTaken(s.host.Env().Addr(), s.store.Applied(), state, restored)
	}
	return data
}

// Restore replaces the state machine with a snapshot's (raftnode.App). The
// watcher sees the digest the snapshot brings, as if the entries it covers
// had been applied here: a snapshot that is not the state replaying them
// gives shows as a state machine that differs from its peers'.
func (s *Server) Restore(index uint64, data []byte) error {
	if err := s.store.Restore(data); err != nil {
		return err
	}
	if got := s.store.Applied(); got != index {
		return fmt.Errorf("kv: a snapshot of index %d holds the state after index %d", index, got)
	}
	if s.watch != nil {
		s.watch.Applied(s.host.Env().Addr(), s.store.Applied(), s.store.Digest(), s.store.Clock(), nil)
		s.watch.SnapshotLoaded(s.host.Env().Addr(), s.store.Applied(), s.store.StateHash())
	}
	// Clients waiting here for an entry the snapshot covers never see it
	// applied: their requests time out and their retries are answered by
	// the sessions the snapshot carries. Reads waiting for an index the
	// snapshot reaches can be served now.
	if len(s.ready) > 0 {
		s.serveReady()
	}
	return nil
}

func (s *Server) notLeader(to harness.Addr, req Request, err error) {
	if err != nil && !errors.Is(err, raft.ErrNotLeader) {
		s.host.Env().Note("kv: %v", err)
	}
	resp := Response{Status: StatusNotLeader}
	// A node outside its own configuration (removed, or not yet added)
	// hears from no leader, and the one it last knew is stale: two such
	// nodes would send a client back and forth between them for ever.
	if conf, id := s.host.ConfState(), s.host.Status().ID; conf.IsMember(id) || len(conf.Voters) == 0 {
		resp.Leader, resp.HasLeader = s.host.LeaderAddr()
	}
	s.reply(to, req, resp)
}

func (s *Server) reply(to harness.Addr, req Request, resp Response) {
	resp.Register = req.Register
	resp.Seq = req.Seq
	if !req.Register || resp.Session == 0 {
		resp.Session = req.Session
	}
	s.host.Env().Send(to, resp)
}
