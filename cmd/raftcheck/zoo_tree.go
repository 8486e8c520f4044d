package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// The zoo builds each planted bug from a copy of the module: the tree is
// copied once, a patch applied, raftcheck built, the patch undone, and the
// next one applied to the same copy, so the go build cache reuses every
// package a patch does not touch.

// findModuleRoot returns the nearest directory at or above dir that holds
// a go.mod.
func findModuleRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		if st, err := os.Stat(filepath.Join(d, "go.mod")); err == nil && st.Mode().IsRegular() {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod in %s or above it: give the module's source with --src", abs)
		}
	}
}

// copyModule copies what building the module needs from src to dst:
// go.mod, go.sum, and every file inside a directory tree that holds Go
// packages (so embedded templates and test data come along). It leaves
// out hidden entries (.git, .ci), the top-level store/, top-level files
// other than go.mod and go.sum, directory trees without Go files
// (deploy/), symbolic links, and compiled binaries left in the tree.
func copyModule(src, dst string) error {
	if _, err := os.Stat(filepath.Join(src, "go.mod")); err != nil {
		return fmt.Errorf("--src %s: not a Go module: %w", src, err)
	}
	goTrees, err := dirsWithGoFiles(src)
	if err != nil {
		return err
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if rel == "." {
			return os.MkdirAll(dst, 0o755)
		}
		top := !strings.ContainsRune(rel, filepath.Separator)
		switch {
		case strings.HasPrefix(d.Name(), "."), top && d.Name() == "store":
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		case d.IsDir():
			if !goTrees[rel] {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		case !d.Type().IsRegular():
			return nil // symbolic links, sockets: nothing a build reads
		case top && d.Name() != "go.mod" && d.Name() != "go.sum":
			return nil
		}
		return copyBuildFile(p, filepath.Join(dst, rel))
	})
}

// dirsWithGoFiles returns, relative to root, every directory that holds a
// .go file or lies inside or above one that does.
func dirsWithGoFiles(root string) (map[string]bool, error) {
	trees := map[string]bool{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && (strings.HasPrefix(d.Name(), ".") || (filepath.Dir(p) == root && d.Name() == "store")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(d.Name(), ".go") {
			return nil
		}
		rel, err := filepath.Rel(root, filepath.Dir(p))
		if err != nil {
			return err
		}
		for ; rel != "." && !trees[rel]; rel = filepath.Dir(rel) {
			trees[rel] = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the module tree: %w", err)
	}
	// Directories inside a package tree come along too: templates,
	// testdata, the zoo's patches.
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() || p == root {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		if trees[rel] {
			return nil
		}
		if parent := filepath.Dir(rel); parent != "." && trees[parent] && !strings.HasPrefix(d.Name(), ".") {
			trees[rel] = true
			return nil
		}
		return filepath.SkipDir
	})
	if err != nil {
		return nil, fmt.Errorf("reading the module tree: %w", err)
	}
	return trees, nil
}

// elfMagic starts every Linux executable: a raftcheck or test binary left
// in the tree by go build is not source.
var elfMagic = []byte("\x7fELF")

// copyBuildFile copies one regular file, unless it is a compiled binary.
func copyBuildFile(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	if bytes.HasPrefix(data, elfMagic) || strings.HasSuffix(from, ".test") {
		return nil
	}
	return os.WriteFile(to, data, 0o644)
}

// buildRaftcheck builds cmd/raftcheck of the module at dir into out. The
// build is offline: every dependency must already be in the module cache,
// and a missing one fails the build at once instead of being fetched.
func buildRaftcheck(ctx context.Context, dir, out string) error {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("building raftcheck needs the go command on PATH: %w", err)
	}
	cmd := exec.CommandContext(ctx, goCmd, "build", "-buildvcs=false", "-o", out, "./cmd/raftcheck")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOPROXY=off")
	var stderr bytes.Buffer
	cmd.Stdout = io.Discard
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return fmt.Errorf("go build: %w: %s", err, firstLines(stderr.String(), 3))
	}
	return nil
}

// firstLines keeps the first n non-empty lines of s, joined by " | ", so
// a compiler's complaint fits the one-line error DESIGN §7 asks for.
func firstLines(s string, n int) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" && len(keep) < n {
			keep = append(keep, l)
		}
	}
	if len(keep) == 0 {
		return "no output"
	}
	return strings.Join(keep, " | ")
}

// restoreFiles writes back the original content of files a patch changed.
func restoreFiles(root string, originals map[string][]byte) error {
	var errs []error
	for rel, b := range originals {
		if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(rel)), b, 0o644); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// childResult is how a child raftcheck ended.
type childResult struct {
	code   int
	stderr string // the end of its standard error
	// overMemory: its resident memory passed the limit and it was killed.
	// A planted bug can make a run grow without end (a message storm);
	// the zoo must not take the machine down with it.
	overMemory bool
}

// runChild runs bin with args in dir and says how it ended (its standard
// output, progress lines, is dropped). A child whose resident memory passes
// maxRSS bytes is killed. err is set only when bin could not run or ctx
// ended it.
func runChild(ctx context.Context, bin, dir string, args []string, maxRSS int64) (childResult, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Stdout = io.Discard
	var errBuf tailBuffer
	cmd.Stderr = &errBuf
	if err := cmd.Start(); err != nil {
		return childResult{}, fmt.Errorf("running %s: %w", bin, err)
	}
	var over atomic.Bool
	stopWatch := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		watchMemory(cmd.Process, maxRSS, &over, stopWatch)
	}()
	err := cmd.Wait()
	close(stopWatch)
	<-watched
	if ctxErr := ctx.Err(); ctxErr != nil {
		return childResult{}, ctxErr
	}
	res := childResult{stderr: errBuf.String(), overMemory: over.Load()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.code = exit.ExitCode()
	case err != nil:
		return childResult{}, fmt.Errorf("running %s: %w", bin, err)
	}
	return res, nil
}

// memoryPollInterval is how often a child's memory is looked at: a run
// that grows by hundreds of MB a second overshoots the limit by little.
const memoryPollInterval = 100 * time.Millisecond

// watchMemory kills p once its resident set passes maxRSS bytes, until
// stop is closed. Where the resident set cannot be read (no /proc), it
// watches nothing.
func watchMemory(p *os.Process, maxRSS int64, over *atomic.Bool, stop <-chan struct{}) {
	t := time.NewTicker(memoryPollInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			rss, ok := residentBytes(p.Pid)
			if !ok {
				return
			}
			if rss > maxRSS {
				over.Store(true)
				_ = p.Kill() // it may have just exited by itself
				return
			}
		}
	}
}

// residentBytes reads a process's resident set size from /proc (Linux).
func residentBytes(pid int) (int64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		rest, ok := strings.CutPrefix(line, "VmRSS:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, false
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, false
		}
		return kb << 10, true
	}
	return 0, false
}

// tailBuffer keeps the last 64 KiB written to it: a child that prints
// without end cannot fill the memory.
type tailBuffer struct{ b []byte }

const tailBufferSize = 64 << 10

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if over := len(t.b) - tailBufferSize; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.b) }
