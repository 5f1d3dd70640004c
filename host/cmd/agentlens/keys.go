package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/agentlens/agentlens-go/functions/keys"
	"github.com/agentlens/agentlens-go/host"
	"github.com/agentlens/agentlens-go/store"
	"github.com/agentlens/agentlens-go/store/chain"
)

const keysUsage = `usage:
  agentlens keys create [--name NAME] [--scopes a,b] [--agents x,y] [--db FILE]
  agentlens keys list [--db FILE] [--json]
  agentlens keys revoke ID [--db FILE]
  agentlens keys rotate-signing [--db FILE]

The database is the one the configuration names (DB_PATH, agentlens.toml)
unless --db is given. These commands work while the server runs; a
revocation made here reaches a running server within 5 seconds. A new
signing key signs from the server's next start; the old one stays
published for verification.
`

// keysCmd manages API keys directly in the database file.
func keysCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, keysUsage)
		return exitError
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("keys "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", "", "database `file` (default: from the configuration)")
	name := fs.String("name", "", "key `name` (create)")
	scopes := fs.String("scopes", "*", "comma-separated `scopes` (create)")
	agents := fs.String("agents", "", "comma-separated agent `ids` the key may write for (create)")
	asJSON := fs.Bool("json", false, "print JSON (list)")

	// The revoke command takes its id before or after the flags.
	var id string
	if sub == "revoke" && len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return exitError
	}
	if sub == "revoke" && id == "" && fs.NArg() == 1 {
		id = fs.Arg(0)
	} else if fs.NArg() > 0 {
		fmt.Fprint(stderr, keysUsage)
		return exitError
	}

	st, err := openConfiguredStore(ctx, *dbPath)
	if err != nil {
		fmt.Fprintf(stderr, "agentlens keys: %v\n", err)
		return exitError
	}
	defer st.Close()

	switch sub {
	case "create":
		err = createKey(ctx, st, stdout, *name, splitList(*scopes), splitList(*agents))
	case "list":
		err = listKeys(ctx, st, stdout, *asJSON)
	case "revoke":
		if id == "" {
			fmt.Fprint(stderr, keysUsage)
			return exitError
		}
		err = st.RevokeKey(ctx, id, chain.FormatTime(time.Now()))
		if errors.Is(err, store.ErrNotFound) {
			err = fmt.Errorf("no key has id %q", id)
		} else if err == nil {
			fmt.Fprintf(stdout, "revoked %s\n", id)
		}
	case "rotate-signing":
		var signer *chain.Signer
		if signer, err = host.RotateSigningKey(ctx, st); err == nil {
			fmt.Fprintf(stdout, "new signing key %s is active; restart the server to sign with it\n", signer.KeyID())
		}
	default:
		fmt.Fprintf(stderr, "agentlens keys: unknown command %q\n\n%s", sub, keysUsage)
		return exitError
	}
	if err != nil {
		fmt.Fprintf(stderr, "agentlens keys %s: %v\n", sub, err)
		return exitFailed
	}
	return exitOK
}

// openConfiguredStore opens the database at dbPath, or at the configured
// path when dbPath is empty.
func openConfiguredStore(ctx context.Context, dbPath string) (*store.Store, error) {
	if dbPath == "" {
		cfg, err := host.LoadConfig(nil, os.LookupEnv)
		if err != nil {
			return nil, fmt.Errorf("configuration: %w", err)
		}
		dbPath = cfg.Store.Path
	}
	return store.Open(ctx, store.Config{Path: dbPath})
}

func createKey(ctx context.Context, st *store.Store, w io.Writer, name string, scopes, agents []string) error {
	name, scopes, err := keys.CheckRequest(name, scopes, agents)
	if err != nil {
		return err
	}
	k, raw, err := keys.New(name, scopes, agents, time.Now())
	if err != nil {
		return err
	}
	if err := st.CreateKey(ctx, store.Key(k), keys.Hash(raw)); err != nil {
		return err
	}
	fmt.Fprintf(w, "id:     %s\nname:   %s\nscopes: %s\n", k.ID, k.Name, strings.Join(k.Scopes, ","))
	if agents != nil {
		fmt.Fprintf(w, "agents: %s\n", strings.Join(agents, ","))
	}
	fmt.Fprintf(w, "key:    %s\n\nThe key is shown only now; store it safely.\n", raw)
	return nil
}

func listKeys(ctx context.Context, st *store.Store, w io.Writer, asJSON bool) error {
	list, err := st.ListKeys(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPREFIX\tNAME\tSCOPES\tCREATED\tLAST USED\tREVOKED")
	for _, k := range list {
		fmt.Fprintf(tw, "%s\t%s…\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Prefix, k.Name,
			strings.Join(k.Scopes, ","), k.CreatedAt, dash(k.LastUsedAt), dash(k.RevokedAt))
	}
	return tw.Flush()
}

func splitList(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
