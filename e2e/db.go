package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"

	_ "github.com/tursodatabase/go-libsql" // registers the "libsql" driver

	"github.com/agentlens/agentlens-go/store/chain"
)

// appendOnlyTriggers are the triggers that refuse UPDATE and DELETE on events.
var appendOnlyTriggers = []string{"events_append_only_update", "events_append_only_delete"}

// busyTimeoutMS is how long this process waits for the server's locks.
const busyTimeoutMS = 5000

// tamperDB is the server's database file, open in this process on one
// connection, to change it the way an attacker with file access would.
type tamperDB struct {
	db   *sql.DB
	conn *sql.Conn
}

// openDB opens the database file at path with a busy timeout.
//
// go-libsql traps (see DESIGN.md, "Storage"): a PRAGMA that answers with a row
// needs QueryRow; only the first statement of a multi-statement Exec runs, so
// there is one statement per Exec; TEXT that looks like a date comes back as
// time.Time, so text columns are read with CAST(col AS BLOB).
func openDB(ctx context.Context, path string) (*tamperDB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("resolve database path: %w", err)
	}
	db, err := sql.Open("libsql", "file:"+abs)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", abs, err)
	}

	// One pinned connection, so the busy timeout set on it applies to every edit.
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to database %s: %w", abs, err)
	}
	var timeout int
	q := fmt.Sprintf("PRAGMA busy_timeout = %d", busyTimeoutMS)
	if err := conn.QueryRowContext(ctx, q).Scan(&timeout); err != nil {
		conn.Close()
		db.Close()
		return nil, fmt.Errorf("set busy_timeout: %w", err)
	}
	return &tamperDB{db: db, conn: conn}, nil
}

func (t *tamperDB) close() {
	t.conn.Close()
	t.db.Close()
}

// trigger is one saved trigger: its name and the SQL that creates it.
type trigger struct {
	name, sql string
}

// tamper applies edit to the session in one transaction that lifts the
// append-only triggers and puts them back exactly as they were. It returns the
// session's event ids by seq, as they were before the edit.
func (t *tamperDB) tamper(ctx context.Context, sessionID string,
	edit func(context.Context, *sql.Tx, []string) error,
) ([]string, error) {
	tx, err := t.conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() // a no-op once committed

	// Save the triggers' SQL, then drop them.
	saved, err := saveTriggers(ctx, tx)
	if err != nil {
		return nil, err
	}
	for _, tr := range saved {
		if _, err := tx.ExecContext(ctx, "DROP TRIGGER "+tr.name); err != nil {
			return nil, fmt.Errorf("drop trigger %s: %w", tr.name, err)
		}
	}

	// Edit the session, knowing which event sits at which seq.
	ids, err := eventIDs(ctx, tx, sessionID)
	if err != nil {
		return nil, err
	}
	if len(ids) != tamperEvents {
		return nil, fmt.Errorf("session %s has %d events in the database, want %d",
			sessionID, len(ids), tamperEvents)
	}
	if err := edit(ctx, tx, ids); err != nil {
		return nil, fmt.Errorf("edit session %s: %w", sessionID, err)
	}

	// Put the triggers back and commit.
	for _, tr := range saved {
		if _, err := tx.ExecContext(ctx, tr.sql); err != nil {
			return nil, fmt.Errorf("recreate trigger %s: %w", tr.name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return ids, nil
}

// saveTriggers reads the SQL of the append-only triggers; both must exist.
func saveTriggers(ctx context.Context, tx *sql.Tx) ([]trigger, error) {
	saved := make([]trigger, 0, len(appendOnlyTriggers))
	for _, name := range appendOnlyTriggers {
		var text []byte
		err := tx.QueryRowContext(ctx,
			"SELECT CAST(sql AS BLOB) FROM sqlite_master WHERE type = 'trigger' AND name = ?", name,
		).Scan(&text)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("save trigger %s: not in the database", name)
		}
		if err != nil {
			return nil, fmt.Errorf("save trigger %s: %w", name, err)
		}
		saved = append(saved, trigger{name: name, sql: string(text)})
	}
	return saved, nil
}

// eventIDs returns the session's event ids in seq order.
func eventIDs(ctx context.Context, tx *sql.Tx, sessionID string) ([]string, error) {
	rows, err := tx.QueryContext(ctx,
		"SELECT CAST(id AS BLOB) FROM events WHERE session_id = ? ORDER BY seq", sessionID)
	if err != nil {
		return nil, fmt.Errorf("read events of session %s: %w", sessionID, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id []byte
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("read events of session %s: %w", sessionID, err)
		}
		ids = append(ids, string(id))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read events of session %s: %w", sessionID, err)
	}
	return ids, nil
}

// readEvent reads one stored event with every field its hash covers.
func readEvent(ctx context.Context, tx *sql.Tx, id string) (chain.Event, error) {
	var e chain.Event
	var cols [12][]byte
	err := tx.QueryRowContext(ctx, `SELECT CAST(id AS BLOB), CAST(timestamp AS BLOB),
		CAST(received_at AS BLOB), CAST(key_id AS BLOB), CAST(session_id AS BLOB),
		CAST(agent_id AS BLOB), CAST(event_type AS BLOB), CAST(severity AS BLOB), seq,
		CAST(payload AS BLOB), CAST(metadata AS BLOB), CAST(prev_hash AS BLOB), CAST(hash AS BLOB)
		FROM events WHERE id = ?`, id).Scan(
		&cols[0], &cols[1], &cols[2], &cols[3], &cols[4], &cols[5], &cols[6], &cols[7], &e.Seq,
		&cols[8], &cols[9], &cols[10], &cols[11])
	if err != nil {
		return e, fmt.Errorf("read event %s: %w", id, err)
	}
	e.ID, e.Timestamp, e.ReceivedAt = string(cols[0]), string(cols[1]), string(cols[2])
	e.KeyID, e.SessionID, e.AgentID = string(cols[3]), string(cols[4]), string(cols[5])
	e.EventType, e.Severity = string(cols[6]), string(cols[7])
	e.Payload, e.Metadata = cols[8], cols[9]
	e.PrevHash, e.Hash = string(cols[10]), string(cols[11])
	return e, nil
}

// execOne runs one statement that must change exactly one row.
func execOne(ctx context.Context, tx *sql.Tx, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", query, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: rows affected: %w", query, err)
	}
	if n != 1 {
		return fmt.Errorf("%s: changed %d rows, want 1", query, n)
	}
	return nil
}

// tryUpdate attempts a no-op UPDATE on the session's events, outside any
// transaction; with the append-only triggers in place it must fail.
func (t *tamperDB) tryUpdate(ctx context.Context, sessionID string) error {
	_, err := t.conn.ExecContext(ctx, "UPDATE events SET seq = seq WHERE session_id = ?", sessionID)
	return err
}
