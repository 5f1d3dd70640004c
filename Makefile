# AgentLens: `make run` starts the service, `make test` runs every test.
# go-libsql needs cgo (gcc); everything else comes from the Go module proxy.

GO      ?= go
BIN     := bin/agentlens
MODULE  := github.com/agentlens/agentlens-go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X $(MODULE)/host.Version=$(VERSION)

GOFUMPT     := mvdan.cc/gofumpt@v0.12.0
GOIMPORTS   := golang.org/x/tools/cmd/goimports@v0.52.0
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

export CGO_ENABLED := 1

.PHONY: build plugins run test e2e crash fuzz lint clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./host/cmd/agentlens

# make plugins: the built-in pii plugin and the WebAssembly text examples.
include plugins/Makefile.inc

run: build plugins
	./$(BIN) serve

test:
	$(GO) test -race ./...

e2e: build plugins
	$(GO) run ./e2e --bin ./$(BIN)

crash: build plugins
	$(GO) run ./crash --bin ./$(BIN)

# Every fuzz target for FUZZTIME each (CI runs a short bounded time; run
# longer by hand, e.g. make fuzz FUZZTIME=5m). New inputs are not minimized:
# minimizing can outlast a short run and fail it with a deadline error; a
# failing input is still saved and reported.
FUZZTIME ?= 10s
FUZZ_TARGETS := ./store/chain:FuzzCanonical ./store/chain:FuzzHashInput ./store/chain:FuzzVerify \
	./store/chain:FuzzCanonicalDifferential ./schemas:FuzzDecodeBatch ./schemas:FuzzFastPathAgreesWithSchema \
	./schemas:FuzzDecoderAgreesWithUnmarshalJSON ./functions/webhook:FuzzVerifySignature \
	./functions/webhook:FuzzReadSource
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$name ($$pkg) for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 0x -parallel 2 $$pkg || exit 1; \
	done

# Performance table of the performance issue (< 5 min); bench-large (optional,
# not in CI) compares ingest into an empty database with 1M events stored.
.PHONY: bench bench-large
bench: build plugins
	$(GO) run ./bench --bin ./$(BIN)

bench-large: build plugins
	$(GO) run ./bench --bin ./$(BIN) --large

lint:
	$(GO) run $(GOFUMPT) -l -w .
	$(GO) run $(GOIMPORTS) -local $(MODULE) -w .
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	$(GO) mod tidy
	git diff --exit-code

clean:
	rm -rf bin
