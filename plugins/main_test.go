package plugins

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Shared across the test binary: assembled fixtures, the pii module (a Go
// build takes seconds) and one compilation cache.
var (
	tmpDir        string
	cacheDir      string
	uppercaseWasm string // examples/uppercase.wat, assembled by TestMain

	wasmMu    sync.Mutex
	wasmFiles = map[string]string{}

	piiOnce sync.Once
	piiPath string
	piiErr  error
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "agentlens-plugins-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	tmpDir, cacheDir = dir, filepath.Join(dir, "cache")
	uppercaseWasm, err = assemble("examples/uppercase.wat")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// assemble runs wat2wasm on src (relative to this package) into tmpDir.
func assemble(src string) (string, error) {
	wasmMu.Lock()
	defer wasmMu.Unlock()
	if p, ok := wasmFiles[src]; ok {
		return p, nil
	}
	tool, err := exec.LookPath("wat2wasm")
	if err != nil {
		return "", fmt.Errorf("wat2wasm not found; the plugin tests assemble their WebAssembly " +
			"text fixtures with it: install wabt (apt-get install -y wabt)")
	}
	// Read by the test itself so go test's result cache tracks the file.
	if _, err := os.ReadFile(src); err != nil {
		return "", err
	}
	out := filepath.Join(tmpDir, strings.NewReplacer("/", "_", ".wat", ".wasm").Replace(src))
	if b, err := exec.Command(tool, src, "-o", out).CombinedOutput(); err != nil {
		return "", fmt.Errorf("wat2wasm %s: %v\n%s", src, err, b)
	}
	wasmFiles[src] = out
	return out, nil
}

// wat returns the assembled form of a .wat fixture, failing the test (never
// skipping it) when wat2wasm is missing.
func wat(t testing.TB, src string) string {
	t.Helper()
	p, err := assemble(src)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// piiWasm builds the pii guest once per test binary.
func piiWasm(t testing.TB) string {
	t.Helper()
	piiOnce.Do(func() {
		// Reading the guest's sources here tells go test's result cache
		// that the results depend on them; it cannot see the go build.
		for _, dir := range []string{"pii", "pii/guest", "sdk", "internal/jsonscan"} {
			files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
			for _, f := range files {
				if _, err := os.ReadFile(f); err != nil {
					piiErr = err
					return
				}
			}
		}
		goTool, err := exec.LookPath("go")
		if err != nil {
			piiErr = fmt.Errorf("build pii guest: %w", err)
			return
		}
		out := filepath.Join(tmpDir, "pii.wasm")
		cmd := exec.Command(goTool, "build", "-buildmode=c-shared", "-o", out, "./pii/guest")
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0", "GOFLAGS=")
		if b, err := cmd.CombinedOutput(); err != nil {
			piiErr = fmt.Errorf("build pii guest: %v\n%s", err, b)
			return
		}
		piiPath = out
	})
	if piiErr != nil {
		t.Fatal(piiErr)
	}
	return piiPath
}

// mustLoad loads a chain sharing the test binary's compilation cache and
// closes it when the test ends.
func mustLoad(t testing.TB, cfgs ...Config) *Chain {
	t.Helper()
	c, err := Load(t.Context(), RuntimeConfig{CacheDir: cacheDir}, cfgs)
	if err != nil {
		t.Fatalf("Load() = %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(context.Background()); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return c
}

// event returns a custom event with payload, which must be canonical JSON.
func event(payload string) Input {
	return Input{EventType: "custom", SessionID: "s1", AgentID: "a1", Payload: []byte(payload)}
}
