package cluster

// Heal ends every fault: the network is reconnected and quiet again,
// crashed nodes restart, paused nodes resume, and clocks run at their true
// rate.
func (c *Cluster) Heal() {
	w := c.World
	w.HealNetwork()
	_ = w.SetNetwork(c.cfg.Network)
	for _, id := range c.Peers.IDs() {
		a := c.Addr(id)
		_ = w.Restart(a)
		_ = w.Resume(a)
		_ = w.SetClockRate(a, 0)
	}
}
