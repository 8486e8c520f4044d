package maelstrom

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Message is one line of Maelstrom's protocol: a body from src to dest.
// The body is kept as the node wrote it; only the fields the harness
// needs are read.
type Message struct {
	Src  string          `json:"src"`
	Dest string          `json:"dest"`
	Body json.RawMessage `json:"body"`
}

// Body is the part of a message body every message has.
type Body struct {
	Type      string `json:"type"`
	MsgID     *int64 `json:"msg_id,omitempty"`
	InReplyTo *int64 `json:"in_reply_to,omitempty"`
}

// reply is the part of a reply the clients read.
type reply struct {
	Body
	Value json.RawMessage `json:"value,omitempty"`
	Code  *int            `json:"code,omitempty"`
	Text  string          `json:"text,omitempty"`
}

// parseLine reads one line a node wrote; an error says what is wrong with
// it, for the report.
func parseLine(line []byte) (Message, Body, error) {
	var m Message
	if err := json.Unmarshal(line, &m); err != nil {
		return m, Body{}, fmt.Errorf("not a JSON message: %v", err)
	}
	if m.Src == "" || m.Dest == "" || len(m.Body) == 0 {
		return m, Body{}, errors.New(`a message needs "src", "dest" and "body"`)
	}
	var b Body
	if err := json.Unmarshal(m.Body, &b); err != nil {
		return m, b, fmt.Errorf("its body is not an object: %v", err)
	}
	if b.Type == "" {
		return m, b, errors.New(`its body has no "type"`)
	}
	return m, b, nil
}

// Error codes (Maelstrom's protocol). A definite error says the operation
// did not happen; an indefinite one (timeout, crash, and the codes of
// 1000 and over, which a node may define) says nothing is known.
const (
	codeTimeout            = 0
	codeNotSupported       = 10
	codeTemporarily        = 11
	codeMalformed          = 12
	codeCrash              = 13
	codeAbort              = 14
	codeKeyDoesNotExist    = 20
	codeKeyAlreadyExists   = 21
	codePreconditionFailed = 22
	codeTxnConflict        = 30
)

// definite says an error code means the operation did not take effect.
func definite(code int) bool {
	switch code {
	case codeNotSupported, codeTemporarily, codeMalformed, codeAbort, codeKeyDoesNotExist, codeKeyAlreadyExists, codePreconditionFailed, codeTxnConflict:
		return true
	}
	return false // 0, 13, 1000 and over, and any code the protocol does not name
}

// codeName is an error code's name, for the history.
func codeName(code int) string {
	switch code {
	case codeTimeout:
		return "timeout"
	case codeNotSupported:
		return "not-supported"
	case codeTemporarily:
		return "temporarily-unavailable"
	case codeMalformed:
		return "malformed-request"
	case codeCrash:
		return "crash"
	case codeAbort:
		return "abort"
	case codeKeyDoesNotExist:
		return "key-does-not-exist"
	case codeKeyAlreadyExists:
		return "key-already-exists"
	case codePreconditionFailed:
		return "precondition-failed"
	case codeTxnConflict:
		return "txn-conflict"
	}
	return fmt.Sprintf("error %d", code)
}

// encode renders a message as the line sent to a node.
func encode(src, dest string, body any) []byte {
	b, err := json.Marshal(body)
	if err != nil {
		panic(err) // bodies are the harness's own maps of plain values
	}
	line, err := json.Marshal(Message{Src: src, Dest: dest, Body: b})
	if err != nil {
		panic(err)
	}
	return append(line, '\n')
}
