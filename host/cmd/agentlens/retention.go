package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/agentlens/agentlens-go/host"
	"github.com/agentlens/agentlens-go/store"
)

// retentionCmd runs the retention job once, now, against the database file.
func retentionCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "run" {
		fmt.Fprintln(stderr, "usage: agentlens retention run [--days N] [--db FILE]")
		return exitError
	}
	fs := flag.NewFlagSet("retention run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	days := fs.Int("days", 0, "delete events older than `N` days (default: RETENTION_DAYS / agentlens.toml)")
	dbPath := fs.String("db", "", "database `file` (default: from the configuration)")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() > 0 {
		return exitError
	}

	cfg, err := host.LoadConfig(nil, os.LookupEnv)
	if err != nil {
		fmt.Fprintf(stderr, "agentlens retention: configuration: %v\n", err)
		return exitError
	}
	if *days == 0 {
		*days = cfg.Retention.Days
	}
	if *days <= 0 {
		fmt.Fprintln(stderr, "agentlens retention: retention is off (RETENTION_DAYS is 0); pass --days N to run it")
		return exitError
	}
	if *dbPath == "" {
		*dbPath = cfg.Store.Path
	}
	st, err := store.Open(ctx, store.Config{Path: *dbPath})
	if err != nil {
		fmt.Fprintf(stderr, "agentlens retention: %v\n", err)
		return exitError
	}
	defer st.Close()
	signer, err := host.LoadSigner(ctx, st, cfg.Secrets.SigningKey)
	if err != nil {
		fmt.Fprintf(stderr, "agentlens retention: %v\n", err)
		return exitError
	}

	log := host.NewLogger(cfg.Log, stderr)
	sum, err := host.RunRetention(ctx, st, signer, *days, time.Now(), log.With(slog.String("command", "retention")))
	if err != nil {
		fmt.Fprintf(stderr, "agentlens retention: %v\n", err)
		return exitFailed
	}
	fmt.Fprintln(stdout, sum)
	for _, b := range sum.Broken {
		fmt.Fprintf(stdout, "KEPT    session %q: broken at seq %d: %s\n", b.SessionID, b.Seq, b.Reason)
	}
	if len(sum.Broken) > 0 {
		return exitFailed
	}
	return exitOK
}
