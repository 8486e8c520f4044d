package kv

// digest folds one applied entry into the store's running digest: its
// index, what applying it produced (for a command: its session, seq,
// status and result), and which sessions live after it, at which seq
// (sessionsHash). Replicas that apply the same log with the same
// deterministic state machine hold the same digest at the same index;
// a replica whose state machine diverged (a session expired on one node and
// not another, a retry applied twice on one) shows it at the first entry
// whose outcome differs, even if no client ever reads the difference.
type digest uint64

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func (d digest) word(v uint64) digest {
	for i := 0; i < 8; i++ {
		d ^= digest(v & 0xff)
		d *= fnvPrime
		v >>= 8
	}
	return d
}

func (d digest) outcome(index uint64, out Outcome, command bool, sessions uint64) digest {
	d = d.word(index).word(sessions)
	if !command {
		return d
	}
	d = d.word(uint64(out.Kind)).word(out.Session).word(out.Seq).word(uint64(out.Status))
	r := out.Result
	flags := uint64(0)
	if r.OK {
		flags |= 1
	}
	if r.Present {
		flags |= 2
	}
	d = d.word(flags).word(uint64(r.Value)).word(uint64(len(r.List)))
	for _, v := range r.List {
		d = d.word(uint64(v))
	}
	return d
}

// sessionTerm is one live session's part of the sessions hash: the hash is
// the sum of every live session's term, so it depends on which sessions
// live and their latest seq, never on the order a map is walked in.
func sessionTerm(id, lastSeq uint64) uint64 {
	return uint64(digest(fnvOffset).word(id).word(lastSeq))
}

// Digest is the store's running digest after the last entry it applied
// (see digest).
func (s *Store) Digest() uint64 { return uint64(s.digest) }

// StateHash is a hash of the store's whole replicated state: the data, the
// sessions with their last answers, and the clocks, as its canonical
// snapshot encoding holds them. Two stores that hold the same state have
// the same hash, whatever order their maps were filled in. It costs a
// snapshot's encoding: for oracles at snapshot time, not for every entry.
func (s *Store) StateHash() uint64 { return encodingHash(s.snapshot(false)) }

// encodingHash is StateHash of a store whose canonical encoding is b.
func encodingHash(b []byte) uint64 {
	d := digest(fnvOffset)
	for _, c := range b {
		d ^= digest(c)
		d *= fnvPrime
	}
	return uint64(d)
}
