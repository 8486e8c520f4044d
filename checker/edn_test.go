package checker_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
)

func readEDNFixture(t *testing.T, name string) (checker.History, error) {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	require.NoError(t, err)
	defer f.Close()
	return checker.ReadJepsenEDN(f, name)
}

func TestReadJepsenEDNFixture(t *testing.T) {
	h, err := readEDNFixture(t, "jepsen-cas-register-ok.edn")
	require.NoError(t, err)
	require.Len(t, h, 50)
	require.NoError(t, h.Validate())

	keys, nemesis := map[string]int{}, 0
	for i, e := range h {
		assert.Equal(t, i, e.Index)
		assert.True(t, json.Valid(e.Value), "event %d value %s", i, e.Value)
		if e.Process == checker.Nemesis {
			nemesis++
			assert.Empty(t, e.Key, "nemesis values are not unwrapped")
			continue
		}
		keys[e.Key]++
	}
	assert.Equal(t, 6, nemesis)
	assert.Equal(t, map[string]int{"0": 20, "1": 14, "2": 10}, keys)

	// Independent tuples are unwrapped; :time is kept; :error is text.
	assert.Equal(t, checker.Event{Index: 4, Type: checker.Invoke, F: "cas", Key: "0", Value: json.RawMessage(`[1,2]`), Process: 2, Time: 6000000}, h[4])
	assert.Equal(t, checker.Event{Index: 2, Type: checker.OK, F: "read", Key: "0", Value: json.RawMessage(`null`), Process: 0, Time: 3000000}, h[2])
	assert.Equal(t, "cas-failed", h[9].Error)
	assert.Equal(t, checker.Fail, h[9].Type)
	assert.Equal(t, `[:timeout "etcdserver: request timed out"]`, h[36].Error)
	assert.Equal(t, checker.Info, h[36].Type)
	// A nemesis value with maps and sets of strings reads as JSON.
	assert.JSONEq(t, `["isolated",{"n1":["n2","n3","n4","n5"],"n2":["n1"],"n3":["n1"],"n4":["n1"],"n5":["n1"]}]`, string(h[11].Value))
	assert.JSONEq(t, `{"n3":["killed","etcd"]}`, string(h[47].Value))
	assert.Equal(t, checker.Event{Index: 31, Type: checker.Info, F: "stop", Value: json.RawMessage(`"network-healed"`), Process: checker.Nemesis, Time: 1001000000}, h[31])

	bad, err := readEDNFixture(t, "jepsen-cas-register-bad.edn")
	require.NoError(t, err)
	require.Len(t, bad, len(h))
	assert.Equal(t, `5`, string(h[39].Value))
	assert.Equal(t, `4`, string(bad[39].Value), "the bad fixture's stale read")
}

func TestReadJepsenEDNMalformedFixture(t *testing.T) {
	_, err := readEDNFixture(t, "jepsen-malformed.edn")
	require.Error(t, err)
	assert.Equal(t, "jepsen-malformed.edn:6: vector never closed (input ends at line 6)", err.Error())
}

// nemesisOp reads one nemesis event with the given :value, which the
// reader never unwraps, and returns its JSON value.
func nemesisValue(t *testing.T, edn string) string {
	t.Helper()
	h, err := checker.ReadJepsenEDN(strings.NewReader("{:type :info, :f :start, :process :nemesis, :value "+edn+"}"), "v.edn")
	require.NoError(t, err, edn)
	require.Len(t, h, 1)
	return string(h[0].Value)
}

func TestReadJepsenEDNValues(t *testing.T) {
	tests := []struct{ edn, json string }{
		{"nil", `null`},
		{"true", `true`},
		{"false", `false`},
		{"42", `42`},
		{"-7", `-7`},
		{"+5", `5`},
		{"0", `0`},
		{"12N", `12`},
		{"0x1F", `31`},
		{"-0XffN", `-255`},
		{"0xFFFFFFFFFFFFFFFFFF", `"0xFFFFFFFFFFFFFFFFFF"`},
		{"123456789012345678901234567890N", `123456789012345678901234567890`},
		{"1.5", `1.5`},
		{"-2.5e3", `-2500`},
		{"1.", `1`},
		{"1.5M", `1.5`},
		{"1e400", `"1e400"`},
		{"1/3", `"1/3"`},
		{`"a\"b\\c\n\t\u00e9"`, `"a\"b\\c\n\té"`},
		{"\"two\nlines\"", `"two\nlines"`},
		{`\a`, `"a"`},
		{`\newline`, `"\n"`},
		{`\u0041`, `"A"`},
		{`\(`, `"("`},
		{":foo", `"foo"`},
		{":a/b", `"a/b"`},
		{":cas-failed", `"cas-failed"`},
		{"foo.bar/baz", `"foo.bar/baz"`},
		{"-", `"-"`},
		{"[1 [2 nil] :x]", `[1,[2,null],"x"]`},
		{"(1 2)", `[1,2]`},
		{"[]", `[]`},
		{"#{3 1 2}", `[1,2,3]`},
		{`#{"b" "a"}`, `["b","a"]`},
		{"#{}", `[]`},
		{`{:a 1, "b" [2], 3 #{}, [4] nil}`, `{"a":1,"b":[2],"3":[],"[4]":null}`},
		{`#inst "2024-01-02T03:04:05.000-00:00"`, `"2024-01-02T03:04:05.000-00:00"`},
		{`#uuid "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"`, `"f81d4fae-7dec-11d0-a765-00a0c91e6bf6"`},
		{`#jepsen.history.Op{:a 1}`, `{"a":1}`},
		{`#object[java.lang.Exception 0x1f "boom"]`, `["java.lang.Exception",31,"boom"]`},
		{"##Inf", `"##Inf"`},
		{"##NaN", `"##NaN"`},
		{"[1 ; a comment ]\n 2]", `[1,2]`},
		{"[1 #_2 3 #_ #_ 4 5]", `[1,3]`},
		{"[1,,2 ,3]", `[1,2,3]`},
		{"\"\x01\"", `"\u0001"`},
	}
	for _, tc := range tests {
		t.Run(tc.edn, func(t *testing.T) {
			got := nemesisValue(t, tc.edn)
			assert.True(t, json.Valid([]byte(got)), got)
			assert.Equal(t, tc.json, got)
		})
	}
}

func TestReadJepsenEDNFields(t *testing.T) {
	in := `; a comment line
{:type "invoke", :f read, :process 0, :value nil, :index 99, :node "n1", :extra {:deep [#{1}]}}

{:type :ok, :f :read, :process 0, :value 3, :error nil}
{:type :info, :f :kill, :process :nemesis, :value {:n1 :killed}, :error {:why "partition"}}
{:type :invoke, :f :write, :process 1, :value "x"}
{:type :info, :f :write, :process 1, :value "x", :error :timeout}`
	h, err := checker.ReadJepsenEDN(strings.NewReader(in), "f.edn")
	require.NoError(t, err)
	want := checker.History{
		{Index: 0, Type: checker.Invoke, F: "read", Value: json.RawMessage(`null`), Process: 0, Time: 0},
		{Index: 1, Type: checker.OK, F: "read", Value: json.RawMessage(`3`), Process: 0, Time: 0},
		{Index: 2, Type: checker.Info, F: "kill", Value: json.RawMessage(`{"n1":"killed"}`), Process: checker.Nemesis, Time: 0, Error: `{:why "partition"}`},
		{Index: 3, Type: checker.Invoke, F: "write", Value: json.RawMessage(`"x"`), Process: 1, Time: 0},
		{Index: 4, Type: checker.Info, F: "write", Value: json.RawMessage(`"x"`), Process: 1, Time: 0, Error: "timeout"},
	}
	assert.Equal(t, want, h, "without :time, every time is 0 and the order is the events'")

	// An event without :time takes the time of the one before it.
	h, err = checker.ReadJepsenEDN(strings.NewReader("{:type :invoke, :f :read, :process 0, :time 50}\n{:type :ok, :f :read, :process 0, :value 1}\n"), "g.edn")
	require.NoError(t, err)
	assert.Equal(t, []int64{50, 50}, []int64{h[0].Time, h[1].Time})
	assert.Contains(t, checker.Perf(checker.History{h[0], h[1]}).Summary, "latency")
}

func TestReadJepsenEDNWholeVector(t *testing.T) {
	in := "[{:type :invoke, :f :add, :process 0, :value 1, :time 10}\n {:type :ok, :f :add, :process 0, :value 1, :time 20}]\n"
	h, err := checker.ReadJepsenEDN(strings.NewReader(in), "v.edn")
	require.NoError(t, err)
	require.Len(t, h, 2)
	assert.Equal(t, int64(20), h[1].Time)
	assert.Equal(t, "1", string(h[1].Value))
}

func TestReadJepsenEDNIndependentDetection(t *testing.T) {
	op := func(typ, f, value string) string {
		return "{:type :" + typ + ", :f :" + f + ", :process 0, :value " + value + "}\n"
	}
	tests := []struct {
		name      string
		in        string
		keys      []string
		values    []string
		unwrapped bool
	}{
		{"independent cas and read", op("invoke", "cas", "[3 [1 2]]") + op("ok", "cas", "[3 [1 2]]") + op("invoke", "read", "[:k nil]") + op("ok", "read", `[:k "v"]`),
			[]string{"3", "3", "k", "k"}, []string{"[1,2]", "[1,2]", "null", `"v"`}, true},
		{"plain cas only", op("invoke", "cas", "[1 2]") + op("ok", "cas", "[1 2]"),
			[]string{"", ""}, []string{"[1,2]", "[1,2]"}, false},
		{"plain register", op("invoke", "write", "[3 4]") + op("ok", "write", "[3 4]") + op("invoke", "read", "nil") + op("ok", "read", "[3 4]"),
			[]string{"", "", "", ""}, []string{"[3,4]", "[3,4]", "null", "[3,4]"}, false},
		{"transactions", op("invoke", "txn", "[[:append 1 2] [:r 1 nil]]") + op("ok", "txn", "[[:append 1 2] [:r 1 [2]]]"),
			[]string{"", ""}, []string{`[["append",1,2],["r",1,null]]`, `[["append",1,2],["r",1,[2]]]`}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			nem := "{:type :info, :f :start, :process :nemesis, :value [:a :b]}\n"
			h, err := checker.ReadJepsenEDN(strings.NewReader(nem+tc.in), "i.edn")
			require.NoError(t, err)
			require.Len(t, h, len(tc.keys)+1)
			assert.Equal(t, `["a","b"]`, string(h[0].Value), "the nemesis value is never unwrapped")
			for i, e := range h[1:] {
				assert.Equal(t, tc.keys[i], e.Key, "event %d", i+1)
				assert.Equal(t, tc.values[i], string(e.Value), "event %d", i+1)
			}
		})
	}
}

func TestReadJepsenEDNErrorsNameTheLine(t *testing.T) {
	ok1 := "{:type :invoke, :f :read, :process 0, :time 1}\n"
	tests := []struct{ name, in, want string }{
		{"unclosed map", "{:type :invoke, :f :read, :process 0", "h.edn:1: map never closed (input ends at line 1)"},
		{"unclosed string", ok1 + "{:type :ok, :f :read, :process 0, :error \"oops}\n\n", "h.edn:2: string never closed (input ends at line 4)"},
		{"odd map", "{:type :invoke :f}", "h.edn:1: map has a key without a value"},
		{"stray closer", ok1 + "]", "h.edn:2: unexpected ']'"},
		{"not a map", "42", "h.edn:1: want an operation map, got 42"},
		{"vector of non-maps", "[{:type :invoke, :f :read, :process 0}\n :oops]", "h.edn:2: want an operation map, got :oops"},
		{"bad type", "{:type :done, :f :read, :process 0}", "h.edn:1: field :type: want :invoke, :ok, :fail or :info, got :done"},
		{"missing type", "{:f :read, :process 0}", "h.edn:1: field :type: missing"},
		{"missing f", "{:type :invoke, :process 0}", "h.edn:1: field :f: missing"},
		{"empty f", `{:type :invoke, :f "", :process 0}`, "h.edn:1: field :f: want a keyword"},
		{"f a number", `{:type :invoke, :f 3, :process 0}`, "h.edn:1: field :f: want a keyword, got 3"},
		{"missing process", "{:type :invoke, :f :read}", "h.edn:1: field :process: missing"},
		{"negative process", "{:type :invoke, :f :read, :process -1}", "h.edn:1: field :process: want a non-negative integer or :nemesis, got -1"},
		{"keyword process", "{:type :invoke, :f :read, :process :client}", "got :client"},
		{"float process", "{:type :invoke, :f :read, :process 1.5}", "got 1.5"},
		{"huge process", "{:type :invoke, :f :read, :process 99999999999999999999}", "got 99999999999999999999"},
		{"negative time", "{:type :invoke, :f :read, :process 0, :time -5}", "h.edn:1: field :time: want a non-negative integer (nanoseconds), got -5"},
		{"string time", `{:type :invoke, :f :read, :process 0, :time "x"}`, `field :time: want a non-negative integer (nanoseconds), got "x"`},
		{"twice", "{:type :invoke, :type :ok, :f :read, :process 0}", "h.edn:1: field :type: given twice"},
		{"bad escape", `{:type :invoke, :f :read, :process 0, :value "\q"}`, `h.edn:1: invalid escape "\\q" in string`},
		{"short unicode", `{:type :invoke, :f :read, :process 0, :value "\u00"}`, `h.edn:1: \u wants four hex digits`},
		{"octal", "{:type :invoke, :f :read, :process 08}", `h.edn:1: invalid number "08"`},
		{"two dots", "{:type :invoke, :f :read, :process 0, :value 1.2.3}", `h.edn:1: invalid number "1.2.3"`},
		{"bare exponent", "{:type :invoke, :f :read, :process 0, :value 1e}", `h.edn:1: invalid number "1e"`},
		{"bad hex", "{:type :invoke, :f :read, :process 0, :value 0x1G}", `h.edn:1: invalid number "0x1G"`},
		{"empty hex", "{:type :invoke, :f :read, :process 0, :value 0x}", `h.edn:1: invalid number "0x"`},
		{"bad keyword", "{:type :invoke, :f :read, :process 0, :value ::auto}", `h.edn:1: invalid keyword "::auto"`},
		{"empty keyword", "{:type :invoke, :f :read, :process 0, :value : }", `h.edn:1: invalid keyword ":"`},
		{"bad symbol", "{:type :invoke, :f :read, :process 0, :value a|b}", `h.edn:1: invalid symbol "a|b"`},
		{"bad character", "{:type :invoke, :f :read, :process 0, :value \\bogus}", `h.edn:1: invalid character "\\bogus"`},
		{"lone backslash", "{:type :invoke, :f :read, :process 0, :value \\ }", "h.edn:1: a backslash must start a character"},
		{"dispatch", "{:type :invoke, :f :read, :process 0, :value #?(:clj 1)}", `h.edn:1: unsupported dispatch "#?"`},
		{"symbolic", "{:type :invoke, :f :read, :process 0, :value ##Foo}", `h.edn:1: invalid symbolic value "##Foo"`},
		{"tag without value", "{:type :invoke, :f :read, :process 0, :value #inst", `h.edn:1: tag "#inst" has no value`},
		{"discard at end", ok1 + "#_", "h.edn:2: nothing to discard after #_"},
		{"unexpected char", "{:type :invoke, :f :read, :process 0, :value @x}", `h.edn:1: unexpected character '@'`},
		{"too deep", strings.Repeat("[", 2000), "h.edn:1: nested deeper than 1000"},
		{"deep tags", strings.Repeat("#a ", 2000) + "1", "h.edn:1: nested deeper than 1000"},
		{"deep discards", strings.Repeat("#_", 2000) + "1", "h.edn:1: nested deeper than 1000"},
		{"double invoke", ok1 + "\n{:type :invoke, :f :read, :process 0, :time 2}", "h.edn:3: event 1: process 0 invokes while its operation of event 0 is outstanding"},
		{"orphan completion", ok1 + "{:type :ok, :f :read, :process 7, :time 2}", "h.edn:2: event 1: process 7 completes (ok) an operation it never invoked"},
		{"f mismatch", ok1 + "{:type :ok, :f :write, :process 0, :time 2}", `h.edn:2: event 1: process 0 completes f="write" but invoked f="read"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := checker.ReadJepsenEDN(strings.NewReader(tc.in), "h.edn")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.True(t, strings.HasPrefix(err.Error(), "h.edn:"), err.Error())
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}

func TestReadJepsenEDNEmpty(t *testing.T) {
	for _, in := range []string{"", "\n\n", "; only a comment\n", "[]"} {
		h, err := checker.ReadJepsenEDN(strings.NewReader(in), "e.edn")
		require.NoError(t, err, "%q", in)
		assert.Empty(t, h)
	}
}

// The EDN and the JSON Lines readers agree: a history read from EDN, written
// as JSON Lines and read back is the same history.
func TestReadJepsenEDNRoundTripsThroughJSONL(t *testing.T) {
	h, err := readEDNFixture(t, "jepsen-cas-register-ok.edn")
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, checker.WriteJSONL(&buf, h))
	back, err := checker.ReadJSONL(&buf, "h.jsonl")
	require.NoError(t, err)
	assert.Equal(t, h, back)
}

// BenchmarkReadJepsenEDN reads 100,000 operations (200,000 lines) on
// independent keys.
func BenchmarkReadJepsenEDN(b *testing.B) {
	var buf bytes.Buffer
	for i := 0; i < 100_000; i++ {
		fmt.Fprintf(&buf, "{:type :invoke, :f :cas, :value [%d [%d %d]], :process %d, :time %d, :index %d}\n", i%100, i, i+1, i%10, 2*i, 2*i)
		fmt.Fprintf(&buf, "{:type :ok, :f :cas, :value [%d [%d %d]], :process %d, :time %d, :index %d, :node \"n1\"}\n", i%100, i, i+1, i%10, 2*i+1, 2*i+1)
	}
	in := buf.Bytes()
	b.SetBytes(int64(len(in)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h, err := checker.ReadJepsenEDN(bytes.NewReader(in), "b.edn")
		if err != nil || len(h) != 200_000 {
			b.Fatal(err)
		}
	}
}

func FuzzReadJepsenEDN(f *testing.F) {
	for _, name := range []string{"jepsen-cas-register-ok.edn", "jepsen-cas-register-bad.edn", "jepsen-malformed.edn"} {
		b, err := os.ReadFile("testdata/" + name)
		require.NoError(f, err)
		f.Add(b)
	}
	for _, s := range []string{
		"{:type :invoke, :f :add, :process 0, :value [:k 1]}\n{:type :ok, :f :add, :process 0, :value [:k 1]}",
		"{:type :invoke, :f :members, :process 0, :value [:k nil]}\n{:type :ok, :f :members, :process 0, :value [:k #{3 1}]}",
		"[{:type :info, :f :start, :process :nemesis, :value #{\"n1\" {:a [1 2N 3.5M]}}}]",
		"{:type :invoke, :f :incr, :process 1, :value nil, :time 5} ; c\n#_{:x 1} {:type :ok, :f :incr, :process 1, :value 1, :time 9}",
		`{:type :invoke, :f :read, :process 0, :value #inst "2024-01-01", :error \a}`,
		"{:type :invoke, :f :list, :process 0, :value [1 (2 3) ##NaN 1/2 -0.0 \"\\u00e9\\n\"]}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := checker.ReadJepsenEDN(bytes.NewReader(data), "f.edn")
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "f.edn:") || strings.Contains(msg, "\n") {
				t.Fatalf("error is not one line naming the file and line: %q", msg)
			}
			return
		}
		if err := h.Validate(); err != nil {
			t.Fatalf("read a history that does not validate: %v", err)
		}
		for i, e := range h {
			if e.Index != i || !json.Valid(e.Value) {
				t.Fatalf("event %d: index %d, value %q", i, e.Index, e.Value)
			}
		}
		// The checkers must not panic on anything the reader accepts.
		for _, check := range []func(checker.History) checker.Result{checker.CheckCounter, checker.CheckSet, checker.CheckListAppend, checker.Stats, checker.Perf} {
			r := check(h)
			if _, err := json.Marshal(r); err != nil {
				t.Fatalf("result does not encode: %v", err)
			}
		}
	})
}
