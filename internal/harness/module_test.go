package harness

import (
	"os"
	"path/filepath"
	"testing"
)

func TestModuleRoot(t *testing.T) {
	root, err := ModuleRoot()
	if err != nil {
		t.Fatalf("ModuleRoot() error = %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Errorf("ModuleRoot() = %s, which holds no go.mod: %v", root, err)
	}
}

func TestExistingFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := ExistingFile(file); got != file || err != nil {
		t.Errorf("ExistingFile(%s) = %q, %v, want the same path", file, got, err)
	}
	if _, err := ExistingFile(dir); err == nil {
		t.Errorf("ExistingFile(%s) of a directory = nil error, want one", dir)
	}
	if _, err := ExistingFile(filepath.Join(dir, "missing")); err == nil {
		t.Errorf("ExistingFile of a missing file = nil error, want one")
	}
}
