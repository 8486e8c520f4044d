package kv

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// CommandKind says what a log entry asks of the store.
type CommandKind uint8

// The kinds of commands.
const (
	// CmdRegister opens a session; the session's id is the log index of
	// this command. Seq carries the registering client's nonce, so the
	// server can tell whom to answer.
	CmdRegister CommandKind = 1
	// CmdOp applies an operation within a session.
	CmdOp CommandKind = 2
)

// Command is the data of a normal log entry.
type Command struct {
	Kind    CommandKind
	Session uint64
	Seq     uint64
	// Time is the proposing leader's local clock, in nanoseconds: the
	// store's notion of time for expiring sessions, the same on every
	// replica because it is part of the log.
	Time int64
	Op   Op
}

// fCodes are the one-byte codes of the functions in an encoded command.
var fCodes = []string{"", FRead, FWrite, FCas, FIncr, FCount, FAdd, FMembers, FAppend, FList}

func fCode(f string) byte {
	for i, name := range fCodes {
		if name == f && i > 0 {
			return byte(i)
		}
	}
	return 0
}

// Encode returns the command's bytes for a log entry: a compact binary
// form (kind, session, seq, time, function code, key, value, old), since
// every replica decodes every entry it applies.
func (c Command) Encode() []byte {
	b := make([]byte, 0, 24+len(c.Op.Key))
	b = append(b, byte(c.Kind))
	b = binary.AppendUvarint(b, c.Session)
	b = binary.AppendUvarint(b, c.Seq)
	b = binary.AppendVarint(b, c.Time)
	if c.Kind == CmdOp {
		b = append(b, fCode(c.Op.F))
		b = binary.AppendUvarint(b, uint64(len(c.Op.Key)))
		b = append(b, c.Op.Key...)
		b = binary.AppendVarint(b, c.Op.Value)
		b = binary.AppendVarint(b, c.Op.Old)
	}
	return b
}

// DecodeCommand reads a command from a log entry's data.
func DecodeCommand(b []byte) (Command, error) {
	d := decoder{b: b}
	var c Command
	c.Kind = CommandKind(d.byte())
	c.Session = d.uvarint()
	c.Seq = d.uvarint()
	c.Time = d.varint()
	switch c.Kind {
	case CmdRegister:
	case CmdOp:
		code := int(d.byte())
		if code < len(fCodes) {
			c.Op.F = fCodes[code]
		}
		n := d.uvarint()
		c.Op.Key = d.str(n)
		c.Op.Value = d.varint()
		c.Op.Old = d.varint()
		if d.err == nil {
			if err := c.Op.Validate(); err != nil {
				return Command{}, err
			}
		}
	default:
		return Command{}, fmt.Errorf("kv: unknown command kind %d", c.Kind)
	}
	if d.err != nil || len(d.b) != 0 {
		return Command{}, fmt.Errorf("kv: undecodable command %q", b)
	}
	return c, nil
}

// decoder reads a command's fields, remembering the first error.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() { d.err, d.b = errors.New("short"), nil }

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) str(n uint64) string {
	if uint64(len(d.b)) < n {
		d.fail()
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}
