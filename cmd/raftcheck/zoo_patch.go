package main

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// The zoo's source patches are applied by this small unified-diff applier
// rather than by git apply or patch(1), for three reasons: the zoo then
// needs nothing but the go command; git apply run inside a directory that
// happens to be within some repository silently skips paths outside it;
// and matching is exact. Every context and removed line must match the
// file byte for byte. A hunk may only move (lines added or removed above
// it), never fuzz, so a patch whose code was rewritten fails loudly
// instead of landing somewhere it no longer means anything.
//
// It reads what `git diff` writes for modified files: optional preamble
// (diff --git, index, comments), then per file "--- a/PATH", "+++ b/PATH"
// and hunks. New, deleted and renamed files are refused: a planted bug
// changes existing code.

// filePatch is the change to one file.
type filePatch struct {
	path  string // slash-separated, relative to the module root
	hunks []hunk
}

// hunk is one @@ block: oldStart is its 1-based first line in the
// original file, lines its body in order.
type hunk struct {
	oldStart int
	header   string
	lines    []hunkLine
}

// hunkLine is a body line: op is ' ' (context), '-' (removed) or '+'
// (added); text has no newline.
type hunkLine struct {
	op   byte
	text string
}

// errPatchMismatch marks a patch that parses but does not fit the tree:
// the code it changes was edited since the patch was made.
var errPatchMismatch = errors.New("does not match the source")

// parsePatch reads a unified diff into per-file patches.
func parsePatch(text string) ([]filePatch, error) {
	lines := strings.Split(text, "\n")
	var files []filePatch
	for i := 0; i < len(lines); {
		line := lines[i]
		if !strings.HasPrefix(line, "--- ") {
			if strings.HasPrefix(line, "@@") {
				return nil, fmt.Errorf("line %d: hunk outside a file (no --- and +++ lines before it)", i+1)
			}
			i++ // preamble: diff --git, index, comments
			continue
		}
		if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "+++ ") {
			return nil, fmt.Errorf("line %d: --- without a +++ line after it", i+1)
		}
		oldPath, err := patchPath(line[4:], "a/")
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		newPath, err := patchPath(lines[i+1][4:], "b/")
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+2, err)
		}
		if oldPath != newPath {
			return nil, fmt.Errorf("line %d: %s becomes %s: only changes to existing files are supported", i+1, oldPath, newPath)
		}
		fp := filePatch{path: oldPath}
		i += 2
		for i < len(lines) && strings.HasPrefix(lines[i], "@@") {
			h, next, err := parseHunk(lines, i)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", fp.path, err)
			}
			fp.hunks = append(fp.hunks, h)
			i = next
		}
		if len(fp.hunks) == 0 {
			return nil, fmt.Errorf("%s: no hunks", fp.path)
		}
		files = append(files, fp)
	}
	if len(files) == 0 {
		return nil, errors.New("no file changes in the patch")
	}
	return files, nil
}

// patchPath takes the path of a --- or +++ line, strips git's a/ or b/
// prefix, and refuses anything that could write outside the tree.
func patchPath(field, prefix string) (string, error) {
	p, _, _ := strings.Cut(field, "\t") // diff(1) may append a timestamp
	if p == "/dev/null" {
		return "", errors.New("creates or deletes a file: only changes to existing files are supported")
	}
	p = strings.TrimPrefix(p, prefix)
	clean := path.Clean(p)
	if p == "" || path.IsAbs(p) || clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("path %q is not inside the module", p)
	}
	return clean, nil
}

// parseHunk reads the hunk whose header is lines[at] and returns it with
// the index of the line after it. The header's counts decide where the
// body ends, so a body line that happens to start with "---" is not
// mistaken for the next file.
func parseHunk(lines []string, at int) (hunk, int, error) {
	header := lines[at]
	oldStart, oldCount, newCount, err := parseHunkHeader(header)
	if err != nil {
		return hunk{}, 0, fmt.Errorf("line %d: %w", at+1, err)
	}
	h := hunk{oldStart: oldStart, header: header}
	i := at + 1
	for oldCount > 0 || newCount > 0 {
		if i >= len(lines) {
			return hunk{}, 0, fmt.Errorf("line %d: hunk %q ends early", i, header)
		}
		l := lines[i]
		if l == "" {
			// An empty context line whose leading space was trimmed by
			// an editor: treat it as the context line it was.
			l = " "
		}
		switch l[0] {
		case ' ':
			oldCount--
			newCount--
		case '-':
			oldCount--
		case '+':
			newCount--
		case '\\':
			return hunk{}, 0, fmt.Errorf("line %d: %q: files without a final newline are not supported", i+1, l)
		default:
			return hunk{}, 0, fmt.Errorf("line %d: %q is not a hunk line (want ' ', '-' or '+')", i+1, l)
		}
		if oldCount < 0 || newCount < 0 {
			return hunk{}, 0, fmt.Errorf("line %d: hunk %q is longer than its header says", i+1, header)
		}
		h.lines = append(h.lines, hunkLine{op: l[0], text: l[1:]})
		i++
	}
	return h, i, nil
}

// parseHunkHeader reads "@@ -l[,c] +l[,c] @@ ...".
func parseHunkHeader(header string) (oldStart, oldCount, newCount int, err error) {
	bad := fmt.Errorf("malformed hunk header %q", header)
	fields := strings.Fields(header)
	if len(fields) < 4 || fields[0] != "@@" || fields[3] != "@@" || !strings.HasPrefix(fields[1], "-") || !strings.HasPrefix(fields[2], "+") {
		return 0, 0, 0, bad
	}
	rangeOf := func(s string) (start, count int, err error) {
		startText, countText, hasCount := strings.Cut(s, ",")
		if start, err = strconv.Atoi(startText); err != nil || start < 0 {
			return 0, 0, bad
		}
		count = 1
		if hasCount {
			if count, err = strconv.Atoi(countText); err != nil || count < 0 {
				return 0, 0, bad
			}
		}
		return start, count, nil
	}
	if oldStart, oldCount, err = rangeOf(fields[1][1:]); err != nil {
		return 0, 0, 0, err
	}
	if _, newCount, err = rangeOf(fields[2][1:]); err != nil {
		return 0, 0, 0, err
	}
	if oldCount == 0 {
		// "-l,0" means "insert after line l": the hunk starts at l+1.
		oldStart++
	}
	return oldStart, oldCount, newCount, nil
}

// applyHunks applies a file's hunks, in order, to its content. A hunk is
// looked for first where its header says, moved by as much as the previous
// hunk had moved (lines added or removed above it since the patch was
// made), then at the nearest place below or above that, never before the
// end of the previous hunk.
func applyHunks(content string, fp filePatch) (string, error) {
	if content != "" && !strings.HasSuffix(content, "\n") {
		return "", fmt.Errorf("%s: files without a final newline are not supported", fp.path)
	}
	lines := strings.Split(strings.TrimSuffix(content, "\n"), "\n")
	if content == "" {
		lines = nil
	}
	var out []string
	done := 0  // lines[:done] are already copied to out or replaced
	drift := 0 // how far the previous hunk was from where its header said
	for n, h := range fp.hunks {
		var old, repl []string
		for _, l := range h.lines {
			if l.op != '+' {
				old = append(old, l.text)
			}
			if l.op != '-' {
				repl = append(repl, l.text)
			}
		}
		want := h.oldStart - 1 + drift
		at, ok := findBlock(lines, old, done, want)
		if !ok {
			return "", fmt.Errorf("%s: hunk %d (%s) %w", fp.path, n+1, strings.TrimSpace(h.header), errPatchMismatch)
		}
		out = append(out, lines[done:at]...)
		out = append(out, repl...)
		done = at + len(old)
		drift = at - (h.oldStart - 1)
	}
	out = append(out, lines[done:]...)
	if len(out) == 0 {
		return "", nil
	}
	return strings.Join(out, "\n") + "\n", nil
}

// findBlock returns the start of block in lines, at or after from, as
// near to want as possible.
func findBlock(lines, block []string, from, want int) (int, bool) {
	matches := func(at int) bool {
		if at < from || at+len(block) > len(lines) {
			return false
		}
		for i, l := range block {
			if lines[at+i] != l {
				return false
			}
		}
		return true
	}
	for d := 0; d <= len(lines); d++ {
		if matches(want + d) {
			return want + d, true
		}
		if d > 0 && matches(want-d) {
			return want - d, true
		}
	}
	return 0, false
}

// applyPatch applies a unified diff to the files under root. Every file is
// checked before any is written, so a patch that does not fit leaves the
// tree as it was. It returns the original content of each file it changed,
// by slash-separated path, for restoreFiles.
func applyPatch(root, text string) (map[string][]byte, error) {
	files, err := parsePatch(text)
	if err != nil {
		return nil, err
	}
	originals := map[string][]byte{}
	patched := map[string]string{}
	for _, fp := range files {
		content, ok := patched[fp.path]
		if !ok {
			b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(fp.path)))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", fp.path, err)
			}
			originals[fp.path] = b
			content = string(b)
		}
		if patched[fp.path], err = applyHunks(content, fp); err != nil {
			return nil, err
		}
	}
	for rel, content := range patched {
		if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(rel)), []byte(content), 0o644); err != nil {
			// Put back what was already written: the copy is reused.
			return nil, errors.Join(fmt.Errorf("writing %s: %w", rel, err), restoreFiles(root, originals))
		}
	}
	return originals, nil
}
