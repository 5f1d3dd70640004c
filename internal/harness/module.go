package harness

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Target is what a tool runs: the module root, the binary under test and
// the repository's configuration, as absolute paths.
type Target struct {
	Root   string // the directory holding go.mod
	Bin    string // the agentlens binary
	Config string // Root/agentlens.toml
}

// FindTarget finds the module root from the working directory, and checks
// that bin (the tools' --bin flag, relative to the working directory) and
// the agentlens.toml at the module root are regular files. Its errors are
// usage errors, worded for the person running the tool.
func FindTarget(bin string) (Target, error) {
	var t Target
	var err error
	if t.Root, err = ModuleRoot(); err != nil {
		return Target{}, err
	}
	if t.Bin, err = ExistingFile(bin); err != nil {
		return Target{}, fmt.Errorf("--bin: %w (run `make build` first)", err)
	}
	if t.Config, err = ExistingFile(filepath.Join(t.Root, "agentlens.toml")); err != nil {
		return Target{}, fmt.Errorf("find configuration: %w", err)
	}
	return t, nil
}

// ModuleRoot walks up from the working directory to the directory holding
// go.mod.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find module root: no go.mod in the working directory or above")
		}
		dir = parent
	}
}

// ExistingFile returns the absolute path of path, which must be a regular
// file that exists.
func ExistingFile(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	info, err := os.Stat(abs)
	if err != nil {
		return "", err
	}
	if !info.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", abs)
	}
	return abs, nil
}
