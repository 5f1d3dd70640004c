package main

import (
	"context"
	"flag"
	"fmt"
	"io"
)

// backupCmd writes a consistent copy of the live database, the file to hand
// an auditor for `agentlens verify --db`.
func backupCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "`file` to write the copy to (must not exist)")
	dbPath := fs.String("db", "", "database `file` (default: from the configuration)")
	if err := fs.Parse(args); err != nil {
		return exitError
	}
	if *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: agentlens backup --out FILE [--db FILE]")
		return exitError
	}
	st, err := openConfiguredStore(ctx, *dbPath)
	if err != nil {
		fmt.Fprintf(stderr, "agentlens backup: %v\n", err)
		return exitError
	}
	defer st.Close()
	if err := st.Backup(ctx, *out); err != nil {
		fmt.Fprintf(stderr, "agentlens backup: %v\n", err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "wrote %s\n", *out)
	return exitOK
}
