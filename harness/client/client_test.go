package client_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftcheck/checker"
	"raftcheck/harness"
	"raftcheck/harness/client"
	"raftcheck/harness/kv"
)

// scriptedServer answers every registration with session 7 and every
// request of a session with the status the test gives.
type scriptedServer struct {
	env    *harness.Env
	status kv.Status
}

func (s *scriptedServer) Start(env *harness.Env) { s.env = env }
func (s *scriptedServer) Timer(uint64)           {}
func (s *scriptedServer) Synced(uint64)          {}
func (s *scriptedServer) Receive(from harness.Addr, payload any) {
	req := payload.(kv.Request)
	if req.Register {
		s.env.Send(from, kv.Response{Register: true, Seq: req.Seq, Session: 7, Status: kv.StatusOK})
		return
	}
	s.env.Send(from, kv.Response{Session: req.Session, Seq: req.Seq, Status: s.status})
}

// How a client records an operation by the server's answer. Each outcome
// is what the answer proves: ok and fail are known, an expired session
// (the server no longer knows whether a retry of the operation took
// effect) and silence are info, never fail.
func TestAClientRecordsWhatTheAnswerProves(t *testing.T) {
	tests := []struct {
		status kv.Status
		want   checker.Type
		err    string
	}{
		{kv.StatusOK, checker.OK, ""},
		{kv.StatusFail, checker.Fail, "precondition failed"},
		{kv.StatusExpired, checker.Info, "session expired"},
		{kv.StatusStale, checker.Info, "timeout"}, // no answer to this request: the deadline ends it
	}
	for _, tc := range tests {
		t.Run(tc.status.String(), func(t *testing.T) {
			w, err := harness.New(harness.Config{Seed: 1, Network: harness.NetworkConfig{Latency: harness.Constant(time.Millisecond)}})
			require.NoError(t, err)
			srv := &scriptedServer{status: tc.status}
			addr, err := w.AddNode("n1", func() harness.Node { return srv })
			require.NoError(t, err)
			rec := client.NewRecorder(w)
			c := client.New(client.DefaultConfig(), []harness.Addr{addr}, 0, rec)
			var done []client.Completion
			c.OnComplete = func(_ *client.Client, _ kv.Op, d client.Completion) { done = append(done, d) }
			_, err = w.AddClient("c1", c)
			require.NoError(t, err)
			require.NoError(t, w.Run(0))
			require.NoError(t, c.Invoke(kv.Op{F: kv.FCas, Key: "k", Old: 1, Value: 2}))
			require.NoError(t, w.RunFor(2*time.Second))
			require.Len(t, done, 1)
			assert.Equal(t, tc.want, done[0].Type)
			assert.Equal(t, tc.err, done[0].Error)
			h := rec.History()
			require.Len(t, h, 2, "an invocation and its completion")
			assert.Equal(t, tc.want, h[1].Type)
		})
	}
}
