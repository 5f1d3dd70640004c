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

.PHONY: build run test e2e lint clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./host/cmd/agentlens

run: build
	./$(BIN) serve

test:
	$(GO) test -race ./...

e2e: build
	$(GO) run ./e2e --bin ./$(BIN)

lint:
	$(GO) run $(GOFUMPT) -l -w .
	$(GO) run $(GOIMPORTS) -local $(MODULE) -w .
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	$(GO) mod tidy
	git diff --exit-code

clean:
	rm -rf bin
