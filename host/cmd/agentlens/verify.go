package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/agentlens/agentlens-go/store"
)

// verifyReport is the --json output of `agentlens verify --db`.
type verifyReport struct {
	Database         string        `json:"database"`
	Verified         bool          `json:"verified"`
	SessionsVerified int           `json:"sessionsVerified"`
	TotalEvents      int64         `json:"totalEvents"`
	BrokenChains     []brokenChain `json:"brokenChains"`
}

type brokenChain struct {
	SessionID     string `json:"sessionId"`
	FailedAtIndex int64  `json:"failedAtIndex"`
	FailedEventID string `json:"failedEventId"`
	Reason        string `json:"reason"`
}

const verifyUsage = `usage:
  agentlens verify --db FILE [--session ID] [--json]
  agentlens verify --bundle FILE --public-key FILE [--json]
`

// verifyCmd verifies every chain (or one session's) in a database file,
// opened read-only, or an exported bundle; it exits 0 when all hold, 1 when
// something is broken and 2 when it cannot check.
func verifyCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", "", "database `file` to verify")
	session := fs.String("session", "", "verify only this session `id` (with --db)")
	bundle := fs.String("bundle", "", "exported bundle `file` to verify, JSON or NDJSON")
	publicKey := fs.String("public-key", "", "`file` with the signing public key(s): PEM, JWKS or /api/audit/public-key")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return exitError
	}
	switch {
	case fs.NArg() > 0, (*dbPath == "") == (*bundle == ""), *bundle != "" && *publicKey == "":
		fmt.Fprint(stderr, verifyUsage)
		return exitError
	case *bundle != "":
		return verifyBundle(*bundle, *publicKey, *asJSON, stdout, stderr)
	}

	st, err := store.Open(ctx, store.Config{Path: *dbPath, ReadOnly: true})
	if err != nil {
		fmt.Fprintf(stderr, "agentlens verify: %v\n", err)
		return exitError
	}
	defer st.Close()

	ids := []string{*session}
	if *session == "" {
		if ids, err = st.SessionIDs(ctx); err != nil {
			fmt.Fprintf(stderr, "agentlens verify: %v\n", err)
			return exitError
		}
	}
	report := verifyReport{Database: *dbPath, BrokenChains: []brokenChain{}}
	results, err := st.VerifySessions(ctx, ids)
	if err != nil {
		fmt.Fprintf(stderr, "agentlens verify: %v\n", err)
		return exitError
	}
	for _, v := range results {
		report.SessionsVerified++
		report.TotalEvents += v.Events
		if b := v.Break; b != nil {
			report.BrokenChains = append(report.BrokenChains, brokenChain{
				SessionID: b.SessionID, FailedAtIndex: b.Seq, FailedEventID: b.EventID, Reason: b.Reason,
			})
		}
	}
	report.Verified = len(report.BrokenChains) == 0

	return emitReport(stdout, *asJSON, report, report.Verified, func() { printReport(stdout, report) })
}

// emitReport writes a verification report as indented JSON or as text, and
// returns the exit code: 0 when everything verified, 1 otherwise.
func emitReport(w io.Writer, asJSON bool, report any, verified bool, printText func()) int {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(report)
	} else {
		printText()
	}
	if !verified {
		return exitFailed
	}
	return exitOK
}

func printReport(w io.Writer, r verifyReport) {
	fmt.Fprintf(w, "database:  %s\nsessions:  %d\nevents:    %d\n", r.Database, r.SessionsVerified, r.TotalEvents)
	for _, b := range r.BrokenChains {
		fmt.Fprintf(w, "\nBROKEN  session %q at seq %d (event %s)\n        %s\n",
			b.SessionID, b.FailedAtIndex, b.FailedEventID, b.Reason)
	}
	if r.Verified {
		fmt.Fprintf(w, "\nOK: every chain verifies.\n")
	} else {
		fmt.Fprintf(w, "\nFAILED: %d of %d sessions have a broken chain.\n", len(r.BrokenChains), r.SessionsVerified)
	}
}
