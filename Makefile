# Targets a newcomer can guess. `make run` starts the whole demo; `make test`
# runs every test (CI runs it through .ci/run).

GO ?= go
# -p 2: this project's reference machine has two cores; the race detector and
# embedded MongoDB need the memory of running fewer packages at once.
TESTFLAGS ?= -race -count=1 -p 2 -timeout 30m

.PHONY: run sim test generate check-generate lint bench backfill

# The embedded MongoDB needs only FerretDB's SQLite backend; the tag leaves
# its PostgreSQL backend out of the gateway (see README, "The gateway").
GATEWAY_TAGS ?= ferretdb_no_postgresql

run:
	$(GO) run -tags $(GATEWAY_TAGS) ./cmd/gateway --demo --open

sim:
	$(GO) run ./cmd/channelsim

# The goroutine bound over 1,000 customers is too slow to check under the
# race detector, so that test runs once more without it.
test: check-generate lint
	$(GO) test $(TESTFLAGS) ./...
	$(GO) test -count=1 -run 'TestThousandCustomersBoundedGoroutines' ./gateway/

generate:
	$(GO) generate ./...

# Regenerating must leave no diff: generated code is never edited by hand.
check-generate:
	$(GO) generate ./...
	@changed=$$(git status --porcelain); if [ -n "$$changed" ]; then echo "go generate changed:"; echo "$$changed"; echo "run 'make generate' and commit"; exit 1; fi

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...

# The load benchmark first: cmd/omnibench runs the simulator with 20 ms per
# upstream call and the gateway as its own process, prints a Markdown table and
# writes bench-results.json (BENCHFLAGS passes flags, e.g. "--rate 200").
# Then customer 360 alone for the two load targets: at a fixed 200 requests/s
# (overhead) and with no upstream latency (throughput), sharing the CPUs and
# with the gateway on CPUs of its own (--pin), each preceded by the host's
# speed: one decoding micro-benchmark (about 700 MB/s on a quiet host), so that
# a slow host shows next to the figures it slowed. Then the micro-benchmarks,
# briefly, so that the whole target takes minutes.
BENCHFLAGS ?=
HOSTSPEED = $(GO) test -run '^$$' -bench 'DecodeEventsReused$$' -benchtime 1s ./sources/klaviyo/ | grep '^Benchmark'
bench:
	$(GO) run ./cmd/omnibench $(BENCHFLAGS)
	$(GO) run ./cmd/omnibench --rate 200 --scenarios c360-id --duration 30s --out bench-results-200rps.json
	$(HOSTSPEED)
	$(GO) run ./cmd/omnibench --latency 0 --scenarios c360-id --out bench-results-no-latency.json
	$(HOSTSPEED)
	$(GO) run ./cmd/omnibench --latency 0 --scenarios c360-id --pin --out bench-results-no-latency-pinned.json
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 200ms ./...

# Resolve every customer record of every system into the identity map, with
# the gateway's configuration; resumable. BACKFILLFLAGS passes flags, e.g.
# "--config omnigate.yaml --systems square,zendesk" or "--restart".
BACKFILLFLAGS ?=
backfill:
	$(GO) run ./cmd/backfill $(BACKFILLFLAGS)
