package maelstrom

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"raftcheck/checker"
	"raftcheck/harness"
	"raftcheck/workloads"
)

// recorder is the history, stamped with the wall time since the run began.
type recorder struct {
	r       *runner
	history checker.History
	next    checker.Process
}

func (rec *recorder) record(typ checker.Type, p checker.Process, f, key string, v json.RawMessage, errText string) int {
	rec.history = append(rec.history, checker.Event{
		Index: len(rec.history), Type: typ, F: f, Key: key, Value: v, Process: p,
		Time: int64(rec.r.Now()), Error: errText,
	})
	return len(rec.history) - 1
}

// clients are the lin-kv clients: each has one operation in flight at a
// time, sent to a node of its own choosing, and waits a stagger between
// operations whose mean spreads Rate over them. An operation with no
// reply within OpTimeout is indefinite (info) and its process retires, as
// in Jepsen; a definite error fails it.
type clients struct {
	r       *runner
	rand    *harness.Stream
	rec     recorder
	keys    *workloads.Keys
	work    workloads.Workload
	all     []*kvClient
	stopped bool
}

type kvClient struct {
	name    string
	process checker.Process
	target  int
	op      *workloads.Op
	msgID   int64
	attempt int
}

func newClients(r *runner, rand *harness.Stream) *clients {
	w, _ := workloads.Lookup("register")
	cs := &clients{r: r, rand: rand, rec: recorder{r: r}, keys: workloads.NewKeys(r.cfg.Keys, r.cfg.OpsPerKey), work: w}
	for i := 1; i <= r.cfg.Clients; i++ {
		cs.all = append(cs.all, &kvClient{name: "c" + strconv.Itoa(i), process: cs.rec.newProcess(), target: int(rand.Below(uint64(r.cfg.Nodes)))})
	}
	return cs
}

func (rec *recorder) newProcess() checker.Process {
	p := rec.next
	rec.next++
	return p
}

func (cs *clients) start() {
	for _, c := range cs.all {
		c := c
		cs.r.After(cs.gap(), func() { cs.next(c) })
	}
}

// gap draws a client's pause between operations.
func (cs *clients) gap() time.Duration {
	mean := float64(cs.r.cfg.Clients) / cs.r.cfg.Rate * float64(time.Second)
	return time.Duration(cs.rand.Below(uint64(2*mean) + 1))
}

func (cs *clients) stop() { cs.stopped = true }

// idle says no operation is in flight.
func (cs *clients) idle() bool {
	for _, c := range cs.all {
		if c.op != nil {
			return false
		}
	}
	return true
}

// abandon ends the operations still in flight as indefinite.
func (cs *clients) abandon() {
	for _, c := range cs.all {
		if c.op != nil {
			cs.complete(c, checker.Info, nil, "the run ended")
		}
	}
}

// next starts a client's next operation.
func (cs *clients) next(c *kvClient) {
	if cs.stopped || cs.r.ended || c.op != nil {
		return
	}
	key := cs.keys.Pick(cs.rand)
	op := cs.work.Next(cs.rand, cs.keys, key)
	c.op = &op
	cs.rec.record(checker.Invoke, c.process, op.F, op.Key, invokeValue(op), "")
	cs.r.nextID++
	c.msgID = cs.r.nextID
	c.attempt++
	body := map[string]any{"type": op.F, "msg_id": c.msgID, "key": keyNumber(op.Key)}
	switch op.F {
	case "write":
		body["value"] = op.Value
	case "cas":
		body["from"], body["to"] = op.Old, op.Value
	}
	node := cs.r.names[c.target]
	line := encode(c.name, node, body)
	cs.r.traceLine("client", line[:len(line)-1])
	cs.r.deliver(node, line) // a node that is down never answers: a timeout
	attempt := c.attempt
	cs.r.After(cs.r.cfg.OpTimeout, func() {
		if c.op != nil && c.attempt == attempt {
			cs.complete(c, checker.Info, nil, "timeout")
		}
	})
}

// reply takes a node's message to a client.
func (cs *clients) reply(m Message, line []byte) {
	var c *kvClient
	for _, x := range cs.all {
		if x.name == m.Dest {
			c = x
		}
	}
	if c == nil {
		cs.r.problem("%s sent a message to %q, which is neither a node nor a client: %.200q", m.Src, m.Dest, line)
		return
	}
	cs.r.traceLine("reply", line)
	var rp reply
	if err := json.Unmarshal(m.Body, &rp); err != nil || rp.InReplyTo == nil || c.op == nil || *rp.InReplyTo != c.msgID {
		return // a reply to an operation that is over, or a stray
	}
	op := *c.op
	switch {
	case rp.Type == "error":
		code := codeTimeout
		if rp.Code != nil {
			code = *rp.Code
		}
		switch {
		case op.F == "read" && code == codeKeyDoesNotExist:
			cs.complete(c, checker.OK, checker.Value(nil), "") // the initial, empty value
		case definite(code):
			cs.complete(c, checker.Fail, nil, codeName(code)+": "+rp.Text)
		default:
			cs.complete(c, checker.Info, nil, codeName(code)+": "+rp.Text)
		}
		if code == codeTemporarily || !definite(code) {
			c.target = (c.target + 1) % len(cs.r.names) // another node may serve it
		}
	case rp.Type == op.F+"_ok":
		v := invokeValue(op)
		if op.F == "read" {
			v = rp.Value
			if len(v) == 0 {
				v = checker.Value(nil)
			}
		}
		cs.complete(c, checker.OK, v, "")
	default:
		cs.r.problem("%s answered a %s with a %q: %.200q", m.Src, op.F, rp.Type, line)
	}
}

// complete records the end of a client's operation and schedules its
// next; an indefinite end retires the process.
func (cs *clients) complete(c *kvClient, typ checker.Type, v json.RawMessage, errText string) {
	op := *c.op
	if v == nil {
		v = invokeValue(op)
	}
	cs.rec.record(typ, c.process, op.F, op.Key, v, errText)
	c.op = nil
	if typ == checker.Info {
		c.process = cs.rec.newProcess()
		c.target = (c.target + 1) % len(cs.r.names)
	}
	if !cs.stopped && !cs.r.ended {
		cs.r.After(cs.gap(), func() { cs.next(c) })
	}
}

// logNemesis records a nemesis event in the history.
func (cs *clients) logNemesis(f string, v any) {
	cs.rec.record(checker.Info, checker.Nemesis, f, "", checker.Value(v), "")
}

// invokeValue is an operation's value in the history, as the simulator's
// clients record it: a write's value, a cas's [from, to], nothing for a
// read.
func invokeValue(op workloads.Op) json.RawMessage {
	switch op.F {
	case "write":
		return checker.Value(op.Value)
	case "cas":
		return checker.Value([2]int64{op.Old, op.Value})
	}
	return checker.Value(nil)
}

// keyNumber is a key as Maelstrom's lin-kv sends it, a number: "k7" is 7.
func keyNumber(key string) int64 {
	n, _ := strconv.ParseInt(strings.TrimPrefix(key, "k"), 10, 64)
	return n
}
