// Command raftcheck runs Jepsen-style tests of the bundled Raft inside a
// deterministic simulation and checks what happened.
//
// Exit codes (../shared/DESIGN.md §7): 0 valid, 1 invalid, 2 unknown,
// 3 error (bad flags, unreadable input, internal failure).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
)

// The exit codes every subcommand uses.
const (
	exitValid   = 0
	exitInvalid = 1
	exitUnknown = 2
	exitError   = 3
)

// usageError is bad input from the user: it is reported on one line and
// exits with exitError.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// helpShown is --help on a command: its flags, printed, and exit 0.
type helpShown struct{ text string }

func (h helpShown) Error() string { return "help" }

// parseInterspersed parses flags that may come before or after the
// positional arguments, as users type them, and returns the arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, flagError(fs, err)
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// flagError turns a flag parsing error into --help's flag list or a
// one-line usage error.
func flagError(fs *flag.FlagSet, err error) error {
	if !errors.Is(err, flag.ErrHelp) {
		return usagef("%v", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "usage: raftcheck %s [flags]\nflags:\n", fs.Name())
	fs.SetOutput(&b)
	fs.PrintDefaults()
	return helpShown{b.String()}
}

type command struct {
	name    string
	summary string
	run     func(args []string, stdout io.Writer) (exit int, err error)
}

func commands() []command {
	return []command{
		{"run", "run one simulated test with faults; print the verdict and the report's path", runRun},
		{"check", "check a history file (--model, --format jsonl|jepsen-edn)", runCheck},
		{"replay", "run again from DIR/results.json; exit 0 only if the history and verdict are identical", runReplay},
		{"shrink", "minimise a failing run (DIR) to a smaller run that still fails the same way", runShrink},
		{"soak", "run many seeds in parallel (--seeds N or --duration D, --workers, --shard I/N); keep failing runs", runSoak},
		{"zoo", "plant known Raft bugs one at a time and show which checker catches each", runZoo},
		{"summarize", "merge soak summaries (DIR...) into one table and one exit code", runSummarize},
		{"demo", "run gossiping nodes in the simulated world with every fault on, and print what happened", runDemo},
		{"sweep", "run the Raft cluster over many seeds with every fault on; invariants checked on every step", runSweep},
		{"serve", "browse the store's runs and reports over HTTP (serve [STORE] [--addr 127.0.0.1:8080])", runServe},
	}
}

func main() {
	if os.Getenv("GOGC") == "" {
		// A simulation makes much short-lived garbage and keeps a small
		// heap (tens of MB for the default run): collecting a quarter as
		// often buys a quarter more speed for a few tens of MB.
		debug.SetGCPercent(400)
	}
	// Heap profiles are never taken from the command: sampling allocations
	// for them costs a few per cent of a simulation (runtime.mProf_*).
	runtime.MemProfileRate = 0
	stop, err := startCPUProfile(os.Getenv("RAFTCHECK_CPUPROFILE"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "raftcheck:", err)
		os.Exit(exitError)
	}
	code := dispatch(os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// startCPUProfile writes a CPU profile of the whole command to path, for
// the figures in BENCHMARKS.md (RAFTCHECK_CPUPROFILE=cpu.prof raftcheck
// soak ...); an empty path profiles nothing. The returned func ends it.
func startCPUProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("RAFTCHECK_CPUPROFILE: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("RAFTCHECK_CPUPROFILE: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stderr)
		if len(args) == 0 {
			return exitError
		}
		return exitValid
	}
	for _, c := range commands() {
		if c.name == args[0] {
			code, err := c.run(args[1:], stdout)
			var help helpShown
			if errors.As(err, &help) {
				fmt.Fprint(stdout, help.text)
				return exitValid
			}
			if err != nil {
				fmt.Fprintf(stderr, "raftcheck %s: %s\n", c.name, oneLine(err))
				return exitError
			}
			return code
		}
	}
	fmt.Fprintf(stderr, "raftcheck: unknown command %q (try raftcheck help)\n", args[0])
	return exitError
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: raftcheck COMMAND [flags]")
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
}

// oneLine keeps an error to one line, as DESIGN §7 asks.
func oneLine(err error) string {
	msg := err.Error()
	for i := 0; i < len(msg); i++ {
		if msg[i] == '\n' {
			return msg[:i]
		}
	}
	return msg
}
