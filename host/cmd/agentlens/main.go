// Command agentlens is the AgentLens service and its tools.
//
//	agentlens [serve] [flags]                 run the service (the default)
//	agentlens verify --db FILE [--session ID] [--json]
//	                                          verify the chains in a database file
//	agentlens verify --bundle FILE --public-key FILE [--json]
//	                                          verify an exported bundle offline
//	agentlens backup --out FILE [--db FILE]   copy the live database consistently
//	agentlens retention run [--days N]        delete expired chain prefixes behind signed anchors
//	agentlens plugin test --plugin FILE --event FILE [--config FILE]
//	                                          run a redaction plugin once, for its author
//	agentlens keys create|list|revoke …       manage API keys in the database file
//	agentlens version                         print the version
//
// Run `agentlens serve -h` for the service's flags; configuration is read
// from agentlens.toml, the environment and flags, in that order.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes shared by the commands.
const (
	exitOK     = 0
	exitFailed = 1 // the check failed: a chain is broken
	exitError  = 2 // the command could not run: bad usage, unreadable file
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches to a command and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, stderr)
	case "verify":
		return verifyCmd(ctx, args, stdout, stderr)
	case "keys":
		return keysCmd(ctx, args, stdout, stderr)
	case "backup":
		return backupCmd(ctx, args, stdout, stderr)
	case "retention":
		return retentionCmd(ctx, args, stdout, stderr)
	case "plugin":
		return pluginCmd(ctx, args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, versionString())
		return exitOK
	case "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "agentlens: unknown command %q\n\n%s", cmd, usage)
		return exitError
	}
}

const usage = `usage:
  agentlens [serve] [flags]                       run the service (default command)
  agentlens verify --db FILE [--session ID] [--json]
                                                  verify the hash chains in a database file
  agentlens verify --bundle FILE --public-key FILE [--json]
                                                  verify an exported bundle with no server
  agentlens backup --out FILE [--db FILE]         copy the live database (VACUUM INTO)
  agentlens retention run [--days N] [--db FILE]  delete expired chain prefixes behind signed anchors
  agentlens plugin test --plugin FILE --event FILE [--config FILE]
                                                  run a redaction plugin once (for plugin authors)
  agentlens keys create|list|revoke ...           manage API keys (see agentlens keys)
  agentlens version                               print the version
`
