package maelstrom

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"raftcheck/checker"
	"raftcheck/harness"
	"raftcheck/nemesis"
)

// Outcome is what a Maelstrom run produced.
type Outcome struct {
	Config  Config
	History checker.History
	Faults  []nemesis.Interval
	Skipped []nemesis.Unsupported
	// Problems are the nodes' breaches of the protocol, one line each: a
	// malformed line, a process that exited on its own, a node that never
	// answered init. Any makes the run invalid.
	Problems []string
	// PIDs are every process the run started, all gone when Run returns.
	PIDs []int
	// Took is the run's wall time; Messages counts what the router saw.
	Took     time.Duration
	Messages RouterCounters
}

// node is one node of the run, over its incarnations.
type node struct {
	name string
	p    *process // nil while down
	// incarnation numbers the node's processes: the end of an old one is
	// not the end of the current one.
	incarnation int
	initID      int64
	ready       bool
}

// runner is a run's state. Every field is the loop's own.
type runner struct {
	cfg    Config
	dir    string
	start  time.Time
	calls  chan func()
	done   chan struct{}
	ended  bool
	why    string
	nodes  []*node
	names  []string
	rand   *harness.Stream
	trace  *bufio.Writer
	router *router
	work   *clients
	out    *Outcome
	nextID int64
}

// Run starts cfg.Nodes processes of cfg.Bin in dir (each in its own
// working directory dir/nodes/<name>, its stderr in dir/nodes/<name>.log,
// the routed messages in dir/trace.txt), drives lin-kv clients and the
// nemesis against them for cfg.Time, heals, lets the last operations
// finish, and kills every process. It returns early, with the history so
// far, if ctx is cancelled or a node breaks the protocol.
func Run(ctx context.Context, cfg Config, dir string) (*Outcome, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "nodes"), 0o755); err != nil {
		return nil, err
	}
	traceFile, err := os.Create(filepath.Join(dir, "trace.txt"))
	if err != nil {
		return nil, err
	}
	defer traceFile.Close()
	seeds := harness.NewSeeds(cfg.Seed)
	r := &runner{
		cfg: cfg, dir: dir, start: time.Now(), calls: make(chan func(), 1024), done: make(chan struct{}),
		rand: seeds.Stream("nemesis"), trace: bufio.NewWriter(traceFile),
		out: &Outcome{Config: cfg},
	}
	defer r.trace.Flush()
	for i := 1; i <= cfg.Nodes; i++ {
		n := &node{name: fmt.Sprintf("n%d", i)}
		r.nodes = append(r.nodes, n)
		r.names = append(r.names, n.name)
	}
	r.router = newRouter(r, seeds.Stream("network"))
	r.work = newClients(r, seeds.Stream("clients"))
	defer r.killAll() // every exit path, a panic included

	for _, n := range r.nodes {
		if err := r.boot(n); err != nil {
			return nil, err
		}
	}
	// Wait for every node's init_ok.
	r.After(cfg.InitTimeout, func() {
		for _, n := range r.nodes {
			if !n.ready && !r.ended {
				r.problem("%s never answered init within %v (stderr in nodes/%s.log)", n.name, cfg.InitTimeout, n.name)
			}
		}
	})
	if !r.loop(ctx, func() bool { return r.allReady() }, cfg.InitTimeout+time.Second) {
		return r.finish(), nil
	}
	mainStart := r.Now()
	r.work.start()
	nem := nemesis.Start(r, cfg.Nemesis, r.work.logNemesis, mainStart+cfg.Time)
	r.loop(ctx, func() bool { return false }, cfg.Time)
	nem.Stop()
	r.out.Faults, r.out.Skipped = nem.Intervals(), nem.Unsupported()
	if !r.ended {
		// The final heal, then time for the last operations to end.
		r.work.logNemesis("heal", "final heal")
		r.heal()
		r.work.stop()
		r.loop(ctx, func() bool { return r.work.idle() }, 2*cfg.OpTimeout+time.Second)
	}
	return r.finish(), nil
}

// loop runs the loop's work until cond holds, the time passes, the run
// ends, or ctx is cancelled; false if the run ended.
func (r *runner) loop(ctx context.Context, cond func() bool, d time.Duration) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for !r.ended && !cond() {
		select {
		case f := <-r.calls:
			f()
		case <-deadline.C:
			return !r.ended
		case <-ctx.Done():
			r.end("cancelled: " + context.Cause(ctx).Error())
		}
	}
	return !r.ended
}

// finish kills the processes and completes the outcome.
func (r *runner) finish() *Outcome {
	r.killAll()
	r.work.abandon()
	r.out.History = r.work.rec.history
	r.out.Took = time.Since(r.start)
	r.out.Messages = r.router.counters
	return r.out
}

// end stops the run early, with the reason.
func (r *runner) end(why string) {
	if !r.ended {
		r.ended, r.why = true, why
		r.Note("run ends: %s", why)
	}
}

// problem records a node's breach of the protocol and ends the run.
func (r *runner) problem(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	r.out.Problems = append(r.out.Problems, msg)
	r.end(msg)
}

func (r *runner) allReady() bool {
	for _, n := range r.nodes {
		if !n.ready {
			return false
		}
	}
	return true
}

// post hands f to the loop from another goroutine; after the run it is
// dropped.
func (r *runner) post(f func()) {
	select {
	case r.calls <- f:
	case <-r.done:
	}
}

// boot starts a node's process and sends it init.
func (r *runner) boot(n *node) error {
	n.incarnation++
	inc := n.incarnation
	p, err := startProcess(r.cfg.Bin, r.cfg.Args, filepath.Join(r.dir, "nodes", n.name), filepath.Join(r.dir, "nodes", n.name+".log"),
		func(line []byte) { r.post(func() { r.fromNode(n, inc, line) }) },
		func(err error) { r.post(func() { r.badLine(n, inc, err) }) },
		func(err error) { r.post(func() { r.exited(n, inc, err) }) })
	if err != nil {
		return err
	}
	n.p, n.ready = p, false
	r.out.PIDs = append(r.out.PIDs, p.pid())
	r.nextID++
	n.initID = r.nextID
	r.Note("boot %s (pid %d)", n.name, p.pid())
	p.send(encode("c0", n.name, map[string]any{"type": "init", "msg_id": n.initID, "node_id": n.name, "node_ids": r.names}))
	return nil
}

// fromNode handles a line a node wrote.
func (r *runner) fromNode(n *node, inc int, line []byte) {
	if inc != n.incarnation || r.ended {
		return
	}
	m, body, err := parseLine(line)
	if err != nil {
		r.problem("%s wrote a malformed line (%v): %.200q", n.name, err, line)
		return
	}
	if m.Src != n.name {
		r.problem("%s wrote a message claiming to be from %q: %.200q", n.name, m.Src, line)
		return
	}
	if body.Type == "init_ok" && m.Dest == "c0" {
		if body.InReplyTo == nil || *body.InReplyTo != n.initID {
			r.problem("%s answered init with in_reply_to other than the init's msg_id %d", n.name, n.initID)
			return
		}
		n.ready = true
		r.Note("%s is ready", n.name)
		return
	}
	if !n.ready {
		r.problem("%s sent %s before answering init", n.name, body.Type)
		return
	}
	if r.isNode(m.Dest) {
		r.router.route(m, body, line)
		return
	}
	r.work.reply(m, line)
}

func (r *runner) badLine(n *node, inc int, err error) {
	if inc == n.incarnation && !r.ended {
		r.problem("%s: %v", n.name, err)
	}
}

// exited handles the end of a node's process.
func (r *runner) exited(n *node, inc int, err error) {
	if inc != n.incarnation || n.p == nil {
		return
	}
	killed := n.p.killed
	n.p = nil
	if killed || r.ended {
		return
	}
	how := "status 0"
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		how = ee.ProcessState.String()
	}
	r.problem("%s exited on its own (%s) at %v; its stderr is in nodes/%s.log", n.name, how, r.Now().Round(time.Millisecond), n.name)
}

// deliver writes a routed line to a node that runs; a node that is down
// loses it.
func (r *runner) deliver(dest string, line []byte) bool {
	n := r.node(dest)
	if n == nil || n.p == nil {
		return false
	}
	n.p.send(line)
	return true
}

func (r *runner) node(name string) *node {
	for _, n := range r.nodes {
		if n.name == name {
			return n
		}
	}
	return nil
}

func (r *runner) isNode(name string) bool { return r.node(name) != nil }

// heal ends every fault: links connected and quiet, paused nodes resumed,
// killed ones restarted.
func (r *runner) heal() {
	r.router.heal()
	for _, n := range r.nodes {
		switch r.State(n.name) {
		case nemesis.NodePaused:
			_ = r.Resume(n.name)
		case nemesis.NodeDown:
			_ = r.Restart(n.name)
		}
	}
}

// killAll kills every process the run started and waits until the loop
// has seen them end (for at most a few seconds).
func (r *runner) killAll() {
	for _, n := range r.nodes {
		if n.p != nil {
			if n.p.paused {
				_ = n.p.signal(syscall.SIGCONT)
			}
			n.p.kill()
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		alive := false
		for _, n := range r.nodes {
			alive = alive || n.p != nil
		}
		if !alive {
			break
		}
		select {
		case f := <-r.calls:
			f()
		case <-time.After(10 * time.Millisecond):
		}
	}
	select {
	case <-r.done:
	default:
		close(r.done)
	}
}

// Note writes a line into trace.txt.
func (r *runner) Note(format string, args ...any) {
	fmt.Fprintf(r.trace, "%d note %s\n", r.Now(), fmt.Sprintf(format, args...))
}

func (r *runner) traceLine(what string, line []byte) {
	fmt.Fprintf(r.trace, "%d %s %s", r.Now(), what, line)
	if len(line) == 0 || line[len(line)-1] != '\n' {
		r.trace.WriteByte('\n')
	}
}
