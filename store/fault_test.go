package store

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentlens/agentlens-go/store/chain"
)

// smallDisk mounts a tmpfs of the given size for the test, or skips when
// this machine does not allow it (mounting needs root).
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("a full disk is simulated with a small tmpfs, which cannot be mounted here: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() }) // lazy: the file may close late
	return dir
}

func TestStore_FullDiskIsUnavailableAndRecovers(t *testing.T) {
	dir := smallDisk(t, "1m")
	s := openTestStore(t, filepath.Join(dir, "agentlens.db"))
	acked := mustAppend(t, s, newEvent("s", "custom", `{}`))

	// Fill the disk, then append until the database refuses.
	filler := filepath.Join(dir, "filler")
	if err := os.WriteFile(filler, make([]byte, 700<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	big := `{"data":"` + strings.Repeat("x", 4000) + `"}`
	var err error
	for i := 0; i < 200 && err == nil; i++ {
		batch := make([]chain.Event, 20)
		for j := range batch {
			batch[j] = newEvent(fmt.Sprintf("s%d", j%3), "custom", big)
		}
		if err = s.Append(t.Context(), batch); err == nil {
			acked = append(acked, batch...)
		}
	}
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Append on a full disk = %v, want ErrUnavailable", err)
	}
	if s.WriteError() == nil {
		t.Error("WriteError() = nil after a failed commit, want the fault")
	}

	// Free the space: the writer recovers without a restart.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	mustAppend(t, s, newEvent("s", "custom", `{}`))
	if err := s.WriteError(); err != nil {
		t.Errorf("WriteError() after recovery = %v, want nil", err)
	}

	// Every acknowledged event is there and every chain holds.
	for _, e := range acked {
		if _, err := s.Event(t.Context(), e.ID); err != nil {
			t.Fatalf("acknowledged event %s: %v", e.ID, err)
		}
	}
	ids, err := s.SessionIDs(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if v := mustVerify(t, s, id); v.Break != nil {
			t.Errorf("session %s after the fault: %v", id, v.Break)
		}
	}
}
