package results

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"strings"
)

// Handler serves the store at root over HTTP: the index at /, and each
// run's files. It serves nothing outside the store: a path with a ".."
// or any other hidden segment (also when percent-encoded: the path is
// decoded before it is looked at), with a backslash or a NUL, or that
// reaches outside through a symbolic link gets 404. Links inside the store,
// such as latest, are followed. Hidden entries are not served either, so a
// run still being written (".tmp-...") stays out of sight.
//
// The store is opened as an os.Root, which refuses any path that would
// resolve outside it, links included; the checks before it only make the
// answer a plain 404 for every such path.
func Handler(root string) (http.Handler, error) {
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, fmt.Errorf("serve: store %s: %w", root, err)
	}
	files := http.FileServerFS(notFoundFS{r.FS()})
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if !servable(req.URL.Path) {
			http.NotFound(w, req)
			return
		}
		files.ServeHTTP(w, req)
	}), nil
}

// servable says whether a request's decoded path may name a file in the
// store.
func servable(p string) bool {
	if !strings.HasPrefix(p, "/") {
		return false
	}
	rest := p[1:]
	if strings.HasPrefix(rest, "/") || strings.ContainsAny(p, "\\\x00") {
		return false // "//etc/passwd": an absolute path in disguise
	}
	for _, seg := range strings.Split(rest, "/") {
		if strings.HasPrefix(seg, ".") {
			return false // "..", ".", and hidden files
		}
	}
	return true
}

// notFoundFS answers every failure to open as "not found": os.Root's
// refusal of a path that escapes the store would otherwise be a 500, which
// says more than a visitor needs to know.
type notFoundFS struct{ fs fs.FS }

func (n notFoundFS) Open(name string) (fs.File, error) {
	f, err := n.fs.Open(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return f, nil
}
