package results

import (
	"bytes"
	"fmt"
	"strings"

	"raftcheck/checker"
)

// The embedded Porcupine view draws at most maxPorcupineOps operations
// (keys are added whole until the next would pass it), but always the
// first decisive key if it has at most maxPorcupineKeyOps: Porcupine's
// page slows down with thousands of operations, and the full view is in
// linearizability.html beside the report.
const (
	maxPorcupineOps    = 3000
	maxPorcupineKeyOps = 20000
)

// porcupineView is Porcupine's page to embed, and what it leaves out.
type porcupineView struct {
	Page    string // a whole HTML document, for the iframe's srcdoc
	Note    string
	Invalid bool // it shows an invalid key: it can jump to the first error
}

// newPorcupineView draws the keys that decided the verdict, as Porcupine
// does (the invalid keys, else the undecided ones, else every key), as
// many as fit, the first illegal operation's key first.
func newPorcupineView(l *checker.Linearizability, d *checker.LinearizabilityDetails, h checker.History, ann []checker.Annotation) *porcupineView {
	if l == nil {
		return nil
	}
	perKey := map[string]int{}
	var order []string
	okKeys := map[string]bool{}
	for i := range h {
		e := &h[i]
		if e.Process == checker.Nemesis {
			continue
		}
		if e.Type == checker.Invoke {
			if _, ok := perKey[e.Key]; !ok {
				order = append(order, e.Key)
			}
			perKey[e.Key]++
		}
		if e.Type == checker.OK {
			okKeys[e.Key] = true
		}
	}
	var candidates []string
	what := "keys"
	v := &porcupineView{}
	switch {
	case d != nil && d.InvalidKeyCount > 0:
		candidates, what, v.Invalid = d.InvalidKeys, "invalid keys", true
		if len(d.Failures) > 0 {
			candidates = append([]string{d.Failures[0].Key}, candidates...)
		}
	case d != nil && d.UnknownKeyCount > 0:
		candidates, what = d.UnknownKeys, "undecided keys"
	default:
		// Every key the check has: one with an ok operation certainly is
		// (a key with only failed operations and info reads is not).
		for _, k := range order {
			if okKeys[k] {
				candidates = append(candidates, k)
			}
		}
	}
	total := len(candidates)
	if d != nil {
		switch what {
		case "invalid keys":
			total = d.InvalidKeyCount
		case "undecided keys":
			total = d.UnknownKeyCount
		}
	}
	var keys []string
	ops := 0
	seen := map[string]bool{}
	for _, k := range candidates {
		if seen[k] {
			continue
		}
		seen[k] = true
		n := perKey[k]
		if len(keys) == 0 && n <= maxPorcupineKeyOps || len(keys) > 0 && ops+n <= maxPorcupineOps {
			keys = append(keys, k)
			ops += n
		}
	}
	if len(keys) == 0 {
		v.Note = fmt.Sprintf("Not embedded: the first of the %s has %s operations, too many to draw here; linearizability.html beside this report has the full view.", what, commas(perKey[firstOr(candidates)]))
		return v
	}
	var buf bytes.Buffer
	if err := l.VisualizeKeys(&buf, keys, ann); err != nil {
		v.Note = "Not embedded: " + err.Error()
		return v
	}
	v.Page = buf.String()
	if len(keys) < total {
		v.Note = fmt.Sprintf("This view draws %s of %s %s (%s, with %s operations in the history: at most %s are drawn here); linearizability.html beside this report draws them all.",
			commas(len(keys)), commas(total), what, keyList(keys, 8), commas(ops), commas(maxPorcupineOps))
	} else {
		v.Note = fmt.Sprintf("This view draws all %s %s (with %s operations in the history; failed operations, which did nothing, are not drawn).", commas(total), what, commas(ops))
	}
	return v
}

func firstOr(ks []string) string {
	if len(ks) == 0 {
		return ""
	}
	return ks[0]
}

func keyList(ks []string, n int) string {
	q := make([]string, 0, min(len(ks), n))
	for i, k := range ks {
		if i == n {
			q = append(q, fmt.Sprintf("… %d more", len(ks)-n))
			break
		}
		q = append(q, fmt.Sprintf("%q", k))
	}
	return strings.Join(q, ", ")
}
