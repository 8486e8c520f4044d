# The README's two commands: `make run` and `make test`.
GO ?= go
SEED ?=
RUNFLAGS ?=

.PHONY: run test bench sweep soak zoo witness-sweep vet fmt-check build serve chromium

build:
	$(GO) build -o raftcheck ./cmd/raftcheck

# One simulated test with the defaults (5 nodes, register workload, 60 s
# simulated, partitions): prints SEED=..., the verdict and the report's path.
# The verdict's exit code (1 invalid, 2 unknown) is reported, not hidden.
run: build
	./raftcheck run $(if $(SEED),--seed $(SEED)) $(RUNFLAGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

test: fmt-check vet
	$(GO) test -count=1 ./...

# The Raft seed sweep at soak size: 5,000 seeds on 3- and 5-node clusters,
# every fault on, invariants checked on every step.
SWEEP_SEEDS ?= 5000
sweep: build
	./raftcheck sweep --seeds $(SWEEP_SEEDS)

# A nightly-sized soak on this machine: 20,000 seeds in swarm mode (each
# seed draws its own fault world) over all cores; failing runs are kept
# under store/soak-<time>/runs with a summary.json of every seed.
SOAK_SEEDS ?= 20000
soak: build
	./raftcheck soak --seeds $(SOAK_SEEDS)

# The zoo, raftcheck's mutation test: every planted bug (the switch bugs
# and the historical Raft bugs kept as source patches in
# cmd/raftcheck/zoo/) is built into a copy of this module and soaked with
# the default soak from 10 starting seeds, at most 60 seeds each. Prints
# per bug whether and how soon it was caught; exits 1 if any was missed.
# make test runs a few bugs of it (TestZooCatchesAFewBugsQuickly).
ZOOFLAGS ?=
zoo: build
	./raftcheck zoo $(ZOOFLAGS)

# The linearizability witness never changes a verdict: over this many swarm
# seeds of the correct build and of four builds with planted bugs, every
# checker says the same with the service's order as without it (make test
# runs 4 seeds of it).
WITNESS_SEEDS ?= 1000
WITNESS_FIRST ?= 1
witness-sweep:
	RAFTCHECK_WITNESS_SEEDS=$(WITNESS_SEEDS) RAFTCHECK_WITNESS_FIRST=$(WITNESS_FIRST) $(GO) test -count=1 -timeout 0 -run TestTheWitnessNeverChangesAVerdict -v ./harness/run/

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Browse the store's runs and reports on http://127.0.0.1:8080/.
serve: build
	./raftcheck serve store

# The browser test of the HTML reports (cmd/raftcheck) drives Debian's
# Chromium. It is skipped where chromium is missing, except in CI, where
# .ci/run installs it with this target first (as root: CI runs as root).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@chromium --version 2>/dev/null | head -1
