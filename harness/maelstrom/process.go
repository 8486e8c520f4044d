package maelstrom

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
)

// maxLine bounds one line a node writes; a longer one is malformed.
const maxLine = 4 << 20

// process is one incarnation of a node's OS process. Its reader hands
// every line it writes to the loop (onLine), and its end (onExit); its
// writer takes lines from a queue, so that a node that reads slowly, or
// is paused, never blocks the loop.
type process struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	mu     sync.Mutex
	queue  [][]byte
	wake   chan struct{}
	closed bool
	// killed says the harness killed it: its end is expected.
	killed bool
	paused bool
}

// startProcess starts bin in dir (the node's working directory, kept
// across restarts) in a process group of its own, with stderr appended to
// logPath.
func startProcess(bin string, args []string, dir, logPath string, onLine func([]byte), onBadLine func(error), onExit func(error)) (*process, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(bin)
	if err != nil {
		logFile.Close()
		return nil, err
	}
	cmd := exec.Command(abs, args...)
	cmd.Dir = dir
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		logFile.Close()
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		logFile.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	p := &process{cmd: cmd, stdin: stdin, wake: make(chan struct{}, 1)}
	go p.write()
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), maxLine)
		for sc.Scan() {
			line := append([]byte(nil), sc.Bytes()...)
			if len(line) > 0 {
				onLine(line)
			}
		}
		if err := sc.Err(); err != nil {
			onBadLine(fmt.Errorf("its output could not be read: %v", err))
		}
		err := cmd.Wait()
		logFile.Close()
		p.close()
		onExit(err)
	}()
	return p, nil
}

// send queues a line for the node's stdin.
func (p *process) send(line []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.queue = append(p.queue, line)
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *process) write() {
	for range p.wake {
		for {
			p.mu.Lock()
			if p.closed || len(p.queue) == 0 {
				p.mu.Unlock()
				break
			}
			batch := p.queue
			p.queue = nil
			p.mu.Unlock()
			for _, line := range batch {
				if _, err := p.stdin.Write(line); err != nil {
					p.close()
					return
				}
			}
		}
		p.mu.Lock()
		closed := p.closed
		p.mu.Unlock()
		if closed {
			return
		}
	}
}

func (p *process) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.closed = true
		p.queue = nil
		p.stdin.Close()
		close(p.wake)
	}
}

// kill ends the process group at once (SIGKILL also ends a stopped one).
func (p *process) kill() {
	p.killed = true
	if p.cmd.Process != nil {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	}
}

// signal pauses (SIGSTOP) or resumes (SIGCONT) the process group.
func (p *process) signal(sig syscall.Signal) error {
	if p.cmd.Process == nil {
		return errors.New("not started")
	}
	return syscall.Kill(-p.cmd.Process.Pid, sig)
}

// pid is the process's id.
func (p *process) pid() int { return p.cmd.Process.Pid }
