// Command subject is a small lin-kv node for testing raftcheck's Maelstrom
// mode. In every mode the first node, n1, holds the only copy of the map,
// and every other node forwards writes and compare-and-sets to it.
//
//	-mode forward      reads are forwarded too: linearizable while nothing
//	                   happens to n1 (a correct subject); n1 answers a
//	                   request it already applied (a duplicated packet)
//	                   from what it answered, without applying it again
//	-mode local-reads  n1 sends each new value to the others when it can,
//	                   and they answer reads from their own copy: stale
//	                   reads under partitions (a buggy subject)
//	-mode garbage      writes a line that is not JSON after init
//	-mode exit         exits at once
//	-mode no-init      never answers init
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
)

type message struct {
	Src  string         `json:"src"`
	Dest string         `json:"dest"`
	Body map[string]any `json:"body"`
}

type pending struct {
	client string
	msgID  any
}

var (
	mode     = flag.String("mode", "forward", "forward, local-reads, garbage, exit or no-init")
	self     string
	nodes    []string
	store    = map[string]any{}
	nextID   = 1000
	forwards = map[int]pending{}
	// answered holds n1's reply to each request it applied, by sender and
	// msg_id: a duplicate is answered again, never applied twice (a write
	// applied again after a later one would undo it).
	answered = map[string]map[string]any{}
	out      = bufio.NewWriter(os.Stdout)
)

func send(dest string, body map[string]any) {
	b, _ := json.Marshal(message{Src: self, Dest: dest, Body: body})
	out.Write(append(b, '\n'))
	out.Flush()
}

func reply(m message, body map[string]any) {
	body["in_reply_to"] = m.Body["msg_id"]
	send(m.Src, body)
}

func key(m message) string { return fmt.Sprint(m.Body["key"]) }

// apply runs a request on n1's map and returns the reply body.
func apply(m message) map[string]any {
	k := key(m)
	switch m.Body["type"] {
	case "read":
		v, ok := store[k]
		if !ok {
			return map[string]any{"type": "error", "code": 20, "text": "key does not exist"}
		}
		return map[string]any{"type": "read_ok", "value": v}
	case "write":
		store[k] = m.Body["value"]
		replicate(k)
		return map[string]any{"type": "write_ok"}
	case "cas":
		v, ok := store[k]
		switch {
		case !ok:
			return map[string]any{"type": "error", "code": 20, "text": "key does not exist"}
		case fmt.Sprint(v) != fmt.Sprint(m.Body["from"]):
			return map[string]any{"type": "error", "code": 22, "text": "expected " + fmt.Sprint(m.Body["from"])}
		}
		store[k] = m.Body["to"]
		replicate(k)
		return map[string]any{"type": "cas_ok"}
	}
	return map[string]any{"type": "error", "code": 10, "text": "not supported"}
}

func replicate(k string) {
	if *mode != "local-reads" {
		return
	}
	for _, n := range nodes {
		if n != self {
			send(n, map[string]any{"type": "replicate", "key": k, "value": store[k]})
		}
	}
}

func main() {
	flag.Parse()
	if *mode == "exit" {
		os.Exit(3)
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	for in.Scan() {
		var m message
		if err := json.Unmarshal(in.Bytes(), &m); err != nil {
			fmt.Fprintln(os.Stderr, "bad input:", err)
			continue
		}
		switch t := m.Body["type"]; {
		case t == "init":
			if *mode == "no-init" {
				continue
			}
			self = m.Body["node_id"].(string)
			for _, n := range m.Body["node_ids"].([]any) {
				nodes = append(nodes, n.(string))
			}
			reply(m, map[string]any{"type": "init_ok"})
			if *mode == "garbage" {
				out.WriteString("this is not json\n")
				out.Flush()
			}
		case t == "replicate":
			store[key(m)] = m.Body["value"]
		case m.Body["in_reply_to"] != nil:
			// n1's answer to a request this node forwarded.
			id := int(m.Body["in_reply_to"].(float64))
			p, ok := forwards[id]
			if !ok {
				continue
			}
			delete(forwards, id)
			body := m.Body
			body["in_reply_to"] = p.msgID
			send(p.client, body)
		case self == "n1":
			id := m.Src + "/" + fmt.Sprint(m.Body["msg_id"])
			body, seen := answered[id]
			if !seen {
				body = apply(m)
				answered[id] = body
			}
			again := map[string]any{}
			for k, v := range body {
				again[k] = v
			}
			reply(m, again)
		case t == "read" && *mode == "local-reads":
			v, ok := store[key(m)]
			if !ok {
				reply(m, map[string]any{"type": "error", "code": 20, "text": "key does not exist"})
				continue
			}
			reply(m, map[string]any{"type": "read_ok", "value": v})
		default:
			nextID++
			forwards[nextID] = pending{client: m.Src, msgID: m.Body["msg_id"]}
			body := map[string]any{}
			for k, v := range m.Body {
				body[k] = v
			}
			body["msg_id"] = nextID
			send("n1", body)
		}
	}
}
