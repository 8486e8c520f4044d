package results

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Store is a directory of runs laid out as DESIGN §6 says:
//
//	<root>/<test-name>/<UTC timestamp>-s<seed>/   one run
//	<root>/latest                                 a link to the newest run
//	<root>/index.html                             every run, with its verdict
type Store struct {
	Root string
}

// RunDir is a run directory being written. Files go into a hidden
// temporary directory, which Commit renames into place: a reader never
// sees a half-written run as a whole one, and an interrupted run leaves
// only a ".tmp-" directory behind.
type RunDir struct {
	store *Store
	tmp   string
	final string
}

// Begin starts a run directory for test and seed, started at t.
func (s *Store) Begin(test string, seed uint64, t time.Time) (*RunDir, error) {
	if strings.ContainsAny(test, `/\`) || test == "" || strings.HasPrefix(test, ".") {
		return nil, fmt.Errorf("store: bad test name %q", test)
	}
	parent := filepath.Join(s.Root, test)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	name := fmt.Sprintf("%s-s%d", t.UTC().Format("20060102T150405.000Z"), seed)
	tmp, err := os.MkdirTemp(parent, ".tmp-"+name+"-")
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return &RunDir{store: s, tmp: tmp, final: filepath.Join(parent, name)}, nil
}

// Path is where the run will be once committed.
func (d *RunDir) Path() string { return d.final }

// WorkPath is where the run's files are while it is written, until
// Commit moves them to Path: a run that writes files of its own as it goes
// (a Maelstrom run's node logs) writes them here.
func (d *RunDir) WorkPath() string { return d.tmp }

// Create writes one file of the run with write, and returns the SHA-256 of
// what was written.
func (d *RunDir) Create(name string, write func(w io.Writer) error) (string, error) {
	f, err := os.Create(filepath.Join(d.tmp, name))
	if err != nil {
		return "", fmt.Errorf("store: %w", err)
	}
	h := sha256.New()
	if err := write(io.MultiWriter(f, h)); err != nil {
		f.Close()
		return "", fmt.Errorf("store: writing %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("store: writing %s: %w", name, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// WriteJSON writes v as indented JSON into the run's file name.
func (d *RunDir) WriteJSON(name string, v any) error {
	_, err := d.Create(name, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
	return err
}

// Commit moves the run into place and points latest at it.
func (d *RunDir) Commit() error {
	if err := os.Rename(d.tmp, d.final); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	rel, err := filepath.Rel(d.store.Root, d.final)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	// The new link gets a name of its own (beside the run's directory
	// name, unique), so runs committed at once by parallel soak workers
	// never touch each other's link before the rename replaces latest.
	link := filepath.Join(d.store.Root, "latest")
	tmpLink := filepath.Join(d.store.Root, ".latest-"+filepath.Base(d.tmp))
	if err := os.Symlink(rel, tmpLink); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := os.Rename(tmpLink, link); err != nil {
		_ = os.Remove(tmpLink)
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// Abort removes the unfinished run, and its test's directory if that
// holds nothing else (Begin may have made it for this run).
func (d *RunDir) Abort() {
	_ = os.RemoveAll(d.tmp)
	_ = os.Remove(filepath.Dir(d.tmp)) // fails, as it should, unless empty
}

// HashFile is the hex SHA-256 of a file's content.
func HashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
