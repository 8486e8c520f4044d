package client

import (
	"fmt"
	"time"

	"raftcheck/checker"
	"raftcheck/harness"
	"raftcheck/harness/kv"
)

// Config is how clients time out and retry.
type Config struct {
	// AttemptTimeout is how long a client waits for one node's answer
	// before it asks another.
	AttemptTimeout time.Duration `json:"attempt_timeout"`
	// OpTimeout is how long an operation may take in all before the client
	// gives up on it (info) and retires its process.
	OpTimeout time.Duration `json:"op_timeout"`
	// Backoff is the pause before asking another node when the last one
	// said it does not lead and knew no leader.
	Backoff time.Duration `json:"backoff"`
}

// DefaultConfig waits 100ms per attempt, 1s per operation, and backs off
// 10ms.
func DefaultConfig() Config {
	return Config{AttemptTimeout: 100 * time.Millisecond, OpTimeout: time.Second, Backoff: 10 * time.Millisecond}
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	if c.AttemptTimeout <= 0 || c.OpTimeout <= 0 || c.Backoff < 0 {
		return fmt.Errorf("client: timeouts must be positive, got attempt %v op %v backoff %v", c.AttemptTimeout, c.OpTimeout, c.Backoff)
	}
	return nil
}

// Completion is how an operation ended.
type Completion struct {
	Type   checker.Type // OK, Fail or Info
	Result kv.Result
	Error  string
	// Invoke is the history index of the operation's invocation.
	Invoke int
	// Read says the operation was a read answered without the log, at
	// the serving node's applied index ReadApplied (kv.Response).
	Read        bool
	ReadApplied uint64
}

// Client is one client slot: a harness.Node added with World.AddClient. It
// runs one operation at a time, as one Jepsen process; after an info it
// carries on as a new process.
type Client struct {
	cfg   Config
	nodes []harness.Addr
	rec   *Recorder
	env   *harness.Env

	process checker.Process
	session uint64 // 0 until a session is open
	seq     uint64
	target  int // index into nodes of the node asked next

	cur *call
	// calls numbers operations, attempts numbers sends; timers carry them
	// so that a timer of an operation or attempt that is over is ignored.
	calls, attempts uint64

	// OnComplete, if set, is called after each operation completes (and is
	// recorded), so that a generator can start the next one.
	OnComplete func(c *Client, op kv.Op, done Completion)
	// OnNamed, if set, is called once for each operation that is sent
	// within a session, when it first is: with the history index of the
	// operation's invocation and the session and sequence number that name
	// it to the servers. It is how the servers' reports of what they
	// applied are tied to the history (workloads.Witness).
	OnNamed func(invoke int, session, seq uint64)
}

type call struct {
	id    uint64
	op    kv.Op
	nonce uint64 // while registering a session: the registration's nonce
	// invoke is the history index of the invocation; named is set once
	// OnNamed has been told the call's session and sequence number.
	invoke int
	named  bool
}

// New returns a client that talks to the given nodes, starting at the
// node at index first, with a fresh process from rec.
func New(cfg Config, nodes []harness.Addr, first int, rec *Recorder) *Client {
	return &Client{cfg: cfg, nodes: nodes, rec: rec, process: rec.NewProcess(), target: first % len(nodes)}
}

// Start is called by the world when the client endpoint boots.
func (c *Client) Start(env *harness.Env) { c.env = env }

// Process is the client's current process id.
func (c *Client) Process() checker.Process { return c.process }

// Busy reports whether an operation is outstanding.
func (c *Client) Busy() bool { return c.cur != nil }

// Timer tags: the low two bits say which timer, the rest which call or
// attempt it belongs to.
const (
	opDeadline   = 0 // the operation's timeout
	attemptTimer = 1 // no answer from the target: ask the next node
	backoffTimer = 2 // the backoff after a redirect without a leader is over
	timerKinds   = 2 // bits
)

// Invoke starts an operation. The client must not be busy.
func (c *Client) Invoke(op kv.Op) error {
	if c.cur != nil {
		return fmt.Errorf("client %s: process %v already has an operation outstanding", c.env.Name(), c.process)
	}
	if err := op.Validate(); err != nil {
		return err
	}
	c.calls++
	c.cur = &call{id: c.calls, op: op}
	c.cur.invoke = c.rec.Record(checker.Invoke, c.process, op.F, op.Key, invokeValue(op), "")
	c.env.SetTimer(c.cfg.OpTimeout, c.calls<<timerKinds|opDeadline)
	if c.session == 0 {
		// A session is opened at the first operation of each process;
		// the nonce is unique to the process, so its answer is known.
		c.cur.nonce = uint64(c.process) + 1
	} else {
		c.seq++
	}
	c.send()
	return nil
}

func (c *Client) request() kv.Request {
	if c.cur.nonce != 0 {
		return kv.Request{Register: true, Seq: c.cur.nonce}
	}
	return kv.Request{Session: c.session, Seq: c.seq, Op: c.cur.op}
}

// send sends the current request to the target node and arms the attempt
// timer.
func (c *Client) send() {
	if c.cur.nonce == 0 && !c.cur.named {
		c.cur.named = true
		if c.OnNamed != nil {
			c.OnNamed(c.cur.invoke, c.session, c.seq)
		}
	}
	c.attempts++
	c.env.Send(c.nodes[c.target], c.request())
	c.env.SetTimer(c.cfg.AttemptTimeout, c.attempts<<timerKinds|attemptTimer)
}

// Timer handles the operation deadline and attempt timeouts.
func (c *Client) Timer(tag uint64) {
	if c.cur == nil {
		return
	}
	switch n := tag >> timerKinds; tag & (1<<timerKinds - 1) {
	case opDeadline:
		if n == c.cur.id {
			c.complete(Completion{Type: checker.Info, Error: "timeout"})
		}
	case attemptTimer:
		if n == c.attempts {
			c.target = (c.target + 1) % len(c.nodes)
			c.send()
		}
	case backoffTimer:
		if n == c.attempts {
			c.send()
		}
	}
}

// Synced is never called: clients have no disk.
func (c *Client) Synced(uint64) {}

// Receive handles a node's response.
func (c *Client) Receive(_ harness.Addr, payload any) {
	resp, ok := payload.(kv.Response)
	if !ok || c.cur == nil || !c.matches(resp) {
		return // a late answer to something this client is no longer asking
	}
	if resp.Status == kv.StatusNotLeader {
		c.redirect(resp)
		return
	}
	if c.cur.nonce != 0 {
		if resp.Status != kv.StatusOK {
			c.complete(Completion{Type: checker.Info, Error: "register: " + resp.Status.String()})
			return
		}
		c.session, c.seq, c.cur.nonce = resp.Session, 1, 0
		c.send()
		return
	}
	switch resp.Status {
	case kv.StatusOK:
		c.complete(Completion{Type: checker.OK, Result: resp.Result, Read: resp.Read, ReadApplied: resp.Applied})
	case kv.StatusFail:
		c.complete(Completion{Type: checker.Fail, Result: resp.Result, Error: "precondition failed"})
	case kv.StatusExpired:
		c.complete(Completion{Type: checker.Info, Error: "session expired"})
	}
	// StatusStale cannot answer the latest request; ignore it.
}

func (c *Client) matches(resp kv.Response) bool {
	if c.cur.nonce != 0 {
		return resp.Register && resp.Seq == c.cur.nonce
	}
	return !resp.Register && resp.Session == c.session && resp.Seq == c.seq
}

// redirect follows a leader hint at once, or tries the next node after a
// backoff when the node knew no leader (or named the one just asked).
func (c *Client) redirect(resp kv.Response) {
	if resp.HasLeader {
		for i, a := range c.nodes {
			if a == resp.Leader && i != c.target {
				c.target = i
				c.send()
				return
			}
		}
	}
	c.target = (c.target + 1) % len(c.nodes)
	// A new attempt number retires the running attempt timer.
	c.attempts++
	c.env.SetTimer(c.cfg.Backoff, c.attempts<<timerKinds|backoffTimer)
}

// complete records the operation's end and, after an info, retires the
// process.
func (c *Client) complete(done Completion) {
	op := c.cur.op
	done.Invoke = c.cur.invoke
	c.cur = nil
	c.attempts++ // no attempt timer of this operation fires any more
	switch done.Type {
	case checker.OK:
		c.rec.Record(checker.OK, c.process, op.F, op.Key, completionValue(op, done.Result), "")
	default:
		c.rec.Record(done.Type, c.process, op.F, op.Key, invokeValue(op), done.Error)
	}
	if done.Type == checker.Info {
		c.process = c.rec.NewProcess()
		c.session, c.seq = 0, 0
	}
	if c.OnComplete != nil {
		c.OnComplete(c, op, done)
	}
}
