package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/agentlens/agentlens-go/internal/harness"
)

// conformanceTimeout bounds the conformance suite's run.
const conformanceTimeout = 10 * time.Minute

// verifyOffline runs `agentlens verify --db FILE --json` on the live database:
// it must exit 1 and report exactly the tampered sessions as broken.
func (r *runner) verifyOffline(ctx context.Context) {
	const name = "offline-verify"
	want := fmt.Sprintf("exit 1 with exactly the %d tampered sessions broken", len(r.tampered))

	// Run the command; exit 1 means "a chain is broken", 2 "could not run".
	cmd := exec.CommandContext(ctx, r.opts.bin, "verify", "--db", r.dbPath, "--json")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		r.report.Fail(name, want, err.Error())
		return
	}
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		msg := harness.Clip(strings.TrimSpace(stderr.String()), 200)
		r.report.Fail(name, want, fmt.Sprintf("exit %d (%s)", code, msg))
		return
	}

	// Compare the broken sessions with the tampered ones.
	var report struct {
		SessionsVerified int                   `json:"sessionsVerified"`
		BrokenChains     []harness.BrokenChain `json:"brokenChains"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &report); err != nil {
		r.report.Fail(name, want, fmt.Sprintf("unreadable JSON report: %v", err))
		return
	}
	var broken []string
	for _, b := range report.BrokenChains {
		broken = append(broken, b.SessionID)
	}
	slices.Sort(broken)
	tampered := slices.Sorted(slices.Values(r.tampered))
	if !slices.Equal(broken, tampered) {
		r.report.Fail(name,
			fmt.Sprintf("broken sessions %v", tampered),
			fmt.Sprintf("broken sessions %v", broken),
		)
		return
	}
	r.report.Pass(name, fmt.Sprintf("exit 1, %d of %d sessions broken, all of them tampered",
		len(broken), report.SessionsVerified))
}

// runConformance runs the shared conformance suite against the same server and
// database, and fails when it exits non-zero. It prints the suite's last line
// and every FAIL line.
func (r *runner) runConformance(ctx context.Context) {
	const name = "conformance"
	if r.opts.conformance == "" {
		fmt.Fprintf(r.report.Out, "# conformance: skipped (no run.py, or --no-conformance)\n")
		return
	}
	fmt.Fprintf(r.report.Out, "# conformance: %s --only %s\n",
		r.opts.conformance, conformanceGroups)

	ctx, cancel := context.WithTimeout(ctx, conformanceTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", r.opts.conformance,
		"--url", r.api.base,
		"--db", r.dbPath,
		"--fixtures", r.opts.fixtures,
		"--redaction",
		"--only", conformanceGroups,
	)
	r.conformance(ctx, name, cmd)
}

// conformance runs one invocation of the suite and reports it as name.
func (r *runner) conformance(ctx context.Context, name string, cmd *exec.Cmd) {
	cmd.Dir = filepath.Dir(r.opts.conformance)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	var exitErr *exec.ExitError
	if err != nil && (!errors.As(err, &exitErr) || ctx.Err() != nil) {
		r.report.Fail(name, "exit 0", fmt.Sprintf("%v (%v)", err, ctx.Err()))
		return
	}

	// Show the suite's FAIL lines and its tally, the last line.
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "FAIL ") {
			fmt.Fprintf(r.report.Out, "#   %s\n", l)
		}
	}
	last := lines[len(lines)-1]
	fmt.Fprintf(r.report.Out, "#   %s (%.1fs)\n", last, time.Since(start).Seconds())
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		r.report.Fail(name, "exit 0", fmt.Sprintf("exit %d: %s", code, last))
		return
	}
	r.report.Pass(name, last)
}

// runAuthConformance starts a second server with authentication on and the
// three webhook secrets set, and runs the groups that need them with the
// admin key the server wrote at its first start.
func (r *runner) runAuthConformance(ctx context.Context, tmp string) {
	const name = "conformance/auth"
	if r.opts.conformance == "" {
		return
	}
	dir := filepath.Join(tmp, "auth")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		r.report.Fail(name, "a directory for the second server", err.Error())
		return
	}
	secrets := []string{"ag-e2e-secret", "fb-e2e-secret", "gen-e2e-secret"}
	dbPath := filepath.Join(dir, "agentlens.db")
	srv, err := harness.Start(harness.Config{
		Bin:        r.opts.bin,
		ConfigFile: r.opts.config,
		Dir:        dir,
		DBPath:     dbPath,
		Env: []string{
			"AGENTGATE_WEBHOOK_SECRET=" + secrets[0], "FORMBRIDGE_WEBHOOK_SECRET=" + secrets[1],
			"GENERIC_WEBHOOK_SECRET=" + secrets[2],
		},
	})
	if err != nil {
		r.report.Fail(name, "a second server with auth on", err.Error())
		return
	}
	defer srv.Kill()
	if err := waitHealthy(ctx, srv, newAPI(srv.URL), 15*time.Second); err != nil {
		r.report.Fail(name, "the second server healthy", err.Error())
		return
	}
	key, err := os.ReadFile(filepath.Join(dir, "agentlens-admin.key"))
	if err != nil {
		r.report.Fail(name, "the admin key file written at first start", err.Error())
		return
	}
	fmt.Fprintf(r.report.Out, "# conformance with auth on: --only %s\n", authGroups)

	ctx, cancel := context.WithTimeout(ctx, conformanceTimeout)
	defer cancel()
	r.conformance(ctx, name, exec.CommandContext(ctx, "python3", r.opts.conformance,
		"--url", srv.URL, "--db", dbPath, "--key", strings.TrimSpace(string(key)),
		"--agentgate-secret", secrets[0], "--formbridge-secret", secrets[1], "--generic-secret", secrets[2],
		"--only", authGroups,
	))
}
