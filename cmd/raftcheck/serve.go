package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"raftcheck/results"
)

// runServe serves the store over HTTP until interrupted: the index at /,
// each run's files, and nothing outside the store. It listens on the
// loopback address by default, since a store holds whatever runs wrote.
func runServe(args []string, stdout io.Writer) (int, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (host:port)")
	stores, err := parseInterspersed(fs, args)
	if err != nil {
		return exitError, err
	}
	if len(stores) > 1 {
		return exitError, usagef("want at most one store directory, got %d", len(stores))
	}
	store := "store"
	if len(stores) == 1 {
		store = stores[0]
	}
	if st, err := os.Stat(store); err != nil {
		return exitError, usagef("store %s: %v", store, err)
	} else if !st.IsDir() {
		return exitError, usagef("store %s: not a directory", store)
	}
	h, err := results.Handler(store)
	if err != nil {
		return exitError, err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return exitError, usagef("--addr %s: %v", *addr, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(stdout, "serving %s at http://%s/ (interrupt to stop)\n", store, ln.Addr())
	if err := serve(ctx, ln, h); err != nil {
		return exitError, err
	}
	return exitValid, nil
}

// serve answers on ln until ctx is done, then lets requests in flight
// finish (for a few seconds at most) and returns. It closes ln.
func serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
