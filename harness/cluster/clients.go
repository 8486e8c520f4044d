package cluster

import (
	"fmt"

	"raftcheck/harness/client"
)

// AddClients adds n client endpoints ("c1", "c2", ...) that talk to the
// cluster's nodes, each starting at a different node, recording into one
// recorder.
func (c *Cluster) AddClients(n int, cfg client.Config) ([]*client.Client, *client.Recorder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	rec := client.NewRecorder(c.World)
	clients := make([]*client.Client, n)
	for i := range clients {
		clients[i] = client.New(cfg, c.Peers.Addrs, i, rec)
		if _, err := c.World.AddClient(fmt.Sprintf("c%d", i+1), clients[i]); err != nil {
			return nil, nil, err
		}
	}
	return clients, rec, nil
}
