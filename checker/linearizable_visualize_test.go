package checker_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
)

// vizData is the part of the visualization's data the tests look at.
type vizData struct {
	Partitions []struct {
		History []struct {
			ClientId                   int
			Start, End                 int64
			OriginalStart, OriginalEnd string
			Description, Metadata      string
		}
		PartialLinearizations [][]struct {
			Index            int
			StateDescription string
		}
		Largest map[int]int
	}
	Annotations []struct {
		Tag                  string
		Start, End           int64
		Description, Details string
		BackgroundColor      string
	}
}

func visualize(t *testing.T, lin *checker.Linearizability, as []checker.Annotation) (string, vizData) {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, lin.Visualize(&buf, as))
	return buf.String(), pageData(t, buf.String())
}

func pageData(t *testing.T, page string) vizData {
	t.Helper()
	const marker = "const data = "
	i := strings.LastIndex(page, marker)
	require.GreaterOrEqual(t, i, 0, "no data in the page")
	line := page[i+len(marker):]
	line = line[:strings.IndexByte(line, '\n')]
	var d vizData
	require.NoError(t, json.Unmarshal([]byte(line), &d))
	return d
}

// twoWays is invalid in two ways of the same length: the writes in either
// order, then one of the two reads.
func twoWays() regOps {
	return regOps{
		w(0, "k", 1, 0, 10), w(1, "k", 2, 1, 11),
		r(2, "k", 1, 20, 30), r(3, "k", 2, 21, 31),
	}
}

func TestVisualizeIsDeterministic(t *testing.T) {
	as := []checker.Annotation{{Tag: "nemesis", Start: 5, End: 25, Description: "partition n1", Details: "n1 | n2 n3"}}
	first, d := visualize(t, checker.CheckLinearizable(twoWays(), regModel, 0), as)
	require.Len(t, d.Partitions, 1)
	require.GreaterOrEqual(t, len(d.Partitions[0].PartialLinearizations), 2,
		"the history must have partial linearizations of equal length, or this test shows nothing")
	for range 30 {
		again, _ := visualize(t, checker.CheckLinearizable(twoWays(), regModel, 0), as)
		require.Equal(t, first, again)
	}
}

func TestVisualizeDrawsOperationsAndAnnotations(t *testing.T) {
	ops := regOps{
		w(0, "k", 1, 100, 200),
		info(w(7, "k", 2, 300, 400)),
		r(3, "k", 2, 500, 600),
		w(3, "k", 4, 700, 800),
	}
	as := []checker.Annotation{
		{Tag: "nemesis", Start: 250, End: 450, Description: "partition n1", Details: "n1 | n2 n3", Color: "#fdd"},
		{Start: 650, End: 0, Description: "crash n2"}, // a point in time, on the default row
	}
	lin := checker.CheckLinearizable(ops, regModel, 0)
	require.Equal(t, checker.Valid, lin.Valid())
	page, d := visualize(t, lin, as)
	assert.True(t, strings.HasPrefix(page, "<!doctype html>"))
	assert.True(t, strings.HasSuffix(strings.TrimSpace(page), "</html>"))
	assert.True(t, strings.Contains(page, `"Description":"partition n1"`), "the page holds the annotation")
	require.Len(t, d.Partitions, 1)
	h := d.Partitions[0].History
	require.Len(t, h, 4)
	assert.Equal(t, []string{"write(1)", "write(2) -> ?", "read() -> 2", "write(4)"},
		[]string{h[0].Description, h[1].Description, h[2].Description, h[3].Description})
	assert.Equal(t, []int{0, 2, 1, 1}, []int{h[0].ClientId, h[1].ClientId, h[2].ClientId, h[3].ClientId},
		"processes 0, 3 and 7 are rows 0, 1 and 2")
	assert.Equal(t, "process 7, key &#34;k&#34;", h[1].Metadata)
	assert.Equal(t, "100ns (event 100)", h[0].OriginalStart)
	assert.Contains(t, h[1].OriginalEnd, "never")

	require.Len(t, d.Annotations, 2)
	part, crash := d.Annotations[0], d.Annotations[1]
	assert.Equal(t, "partition n1", part.Description)
	assert.Equal(t, "n1 | n2 n3", part.Details)
	assert.Equal(t, "#fdd", part.BackgroundColor)
	assert.Equal(t, "annotations", crash.Tag)
	// The partition starts after write(1) completed and ends before the
	// read began; the crash falls between the read and write(4).
	assert.Greater(t, part.Start, h[0].End)
	assert.Less(t, part.Start, h[1].Start)
	assert.Greater(t, part.End, h[1].Start)
	assert.Less(t, part.End, h[2].Start)
	assert.Greater(t, crash.Start, h[2].End)
	assert.Less(t, crash.End, h[3].Start)
	// The info write never returns: it reaches past everything else.
	for _, x := range []int64{h[0].End, h[2].End, h[3].End, part.End, crash.End} {
		assert.Greater(t, h[1].End, x)
	}
	// The linearization is shown with its states.
	require.Len(t, d.Partitions[0].PartialLinearizations, 1)
	lin0 := d.Partitions[0].PartialLinearizations[0]
	require.Len(t, lin0, 4)
	assert.Equal(t, "1", lin0[0].StateDescription)
}

func TestVisualizeShowsTheKeysThatDecided(t *testing.T) {
	ops := regOps{w(0, "good", 1, 0, 10), w(0, "bad", 1, 20, 30), r(1, "good", 1, 40, 50), r(1, "bad", 5, 60, 70)}
	lin := checker.CheckLinearizable(ops, regModel, 0)
	require.Equal(t, checker.Invalid, lin.Valid())
	_, d := visualize(t, lin, nil)
	require.Len(t, d.Partitions, 1)
	assert.Equal(t, "read() -> 5", d.Partitions[0].History[1].Description)

	var buf bytes.Buffer
	require.NoError(t, lin.VisualizeKeys(&buf, []string{"good", "bad"}, nil))
	d = pageData(t, buf.String())
	require.Len(t, d.Partitions, 2)
	assert.Equal(t, "read() -> 1", d.Partitions[0].History[1].Description)
	err := lin.VisualizeKeys(&buf, []string{"other"}, nil)
	assert.ErrorContains(t, err, `key "other" is not in the history`)
}

func TestVisualizeEscapesWhatIsShownAsHTML(t *testing.T) {
	ops := regOps{w(0, "<img src=x onerror=alert(1)>", 1, 0, 10)}
	page, d := visualize(t, checker.CheckLinearizable(ops, regModel, 0), []checker.Annotation{{Description: "</script><b>", Details: "<i>"}})
	assert.False(t, strings.Contains(page, "<img"))
	assert.False(t, strings.Contains(page, "</script><b>"))
	assert.Contains(t, d.Partitions[0].History[0].Metadata, "&lt;img")
	assert.Equal(t, "</script><b>", d.Annotations[0].Description, "drawn as text, so kept as it is")
}

func TestVisualizeDrawsAtMostMaxVisualizedKeys(t *testing.T) {
	var ops regOps
	for i := 0; i < checker.MaxVisualizedKeys+20; i++ {
		ops = append(ops, w(0, fmt.Sprintf("k%03d", i), 1, 10*i, 10*i+5))
	}
	_, d := visualize(t, checker.CheckLinearizable(ops, regModel, 0), nil)
	require.Len(t, d.Partitions, checker.MaxVisualizedKeys)
	assert.Equal(t, "write(1)", d.Partitions[0].History[0].Description, "the first keys to appear")
}
