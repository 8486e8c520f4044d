package kv

import (
	"encoding/json"
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
	Kind    CommandKind `json:"c"`
	Session uint64      `json:"s,omitempty"`
	Seq     uint64      `json:"q"`
	// Time is the proposing leader's local clock, in nanoseconds: the
	// store's notion of time for expiring sessions, the same on every
	// replica because it is part of the log.
	Time int64 `json:"t"`
	Op   Op    `json:"op,omitempty"`
}

// Encode returns the command's bytes for a log entry.
func (c Command) Encode() []byte {
	b, err := json.Marshal(c)
	if err != nil {
		panic(fmt.Sprintf("kv: command %+v cannot be encoded: %v", c, err))
	}
	return b
}

// DecodeCommand reads a command from a log entry's data.
func DecodeCommand(b []byte) (Command, error) {
	var c Command
	if err := json.Unmarshal(b, &c); err != nil {
		return Command{}, fmt.Errorf("kv: undecodable command %q: %w", b, err)
	}
	switch c.Kind {
	case CmdRegister:
	case CmdOp:
		if err := c.Op.Validate(); err != nil {
			return Command{}, err
		}
	default:
		return Command{}, fmt.Errorf("kv: unknown command kind %d", c.Kind)
	}
	return c, nil
}
