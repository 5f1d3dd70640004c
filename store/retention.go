package store

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"fmt"

	"github.com/agentlens/agentlens-go/store/chain"
)

const selectAnchor = `SELECT CAST(session_id AS BLOB), first_seq, last_seq, event_count,
	CAST(last_hash AS BLOB), CAST(events_digest AS BLOB), CAST(created_at AS BLOB),
	CAST(signature AS BLOB) FROM retention_anchors`

// latestAnchor returns the session's newest retention anchor, or nil.
func latestAnchor(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, sessionID string,
) (*chain.Anchor, error) {
	var a chain.Anchor
	err := q.QueryRowContext(ctx, selectAnchor+` WHERE session_id = ? ORDER BY last_seq DESC LIMIT 1`,
		sessionID).Scan(&a.SessionID, &a.FirstSeq, &a.LastSeq, &a.Count, &a.LastHash,
		&a.EventsDigest, &a.CreatedAt, &a.Signature)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read retention anchor of session %q: %w", sessionID, err)
	}
	return &a, nil
}

// publicKeys returns the stored signing keys by key id, to check anchors.
func (s *Store) publicKeys(ctx context.Context) (func(string) (ed25519.PublicKey, bool), error) {
	keys, err := s.SigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]ed25519.PublicKey, len(keys))
	for _, k := range keys {
		byID[k.KeyID] = k.PublicKey
	}
	return func(id string) (ed25519.PublicKey, bool) { k, ok := byID[id]; return k, ok }, nil
}

// RetentionResult says what the retention job did to one session.
type RetentionResult struct {
	SessionID string
	Deleted   int64         // events removed, 0 when nothing had expired
	Anchor    *chain.Anchor // the anchor stored for them
	Break     *chain.Break  // set when the expired prefix failed verification
}

// RetentionSessions lists the sessions holding an event older than cutoff
// (a chain.TimeLayout string).
func (s *Store) RetentionSessions(ctx context.Context, cutoff string) ([]string, error) {
	ids, err := s.queryStrings(ctx,
		`SELECT DISTINCT CAST(session_id AS BLOB) FROM events WHERE timestamp < ? ORDER BY 1`, cutoff)
	if err != nil {
		return nil, fmt.Errorf("select sessions with expired events: %w", err)
	}
	return ids, nil
}

// ApplyRetention removes the longest prefix of the session's stored chain
// whose events all have timestamps before cutoff. In one transaction it
// verifies that prefix (from the previous anchor, if any), stores a signed
// anchor for it, and deletes it through the gate row the append-only
// trigger honours. A prefix that fails verification is left in place and
// returned in the result's Break. now is the anchor's creation time; sign
// signs the anchor document.
func (s *Store) ApplyRetention(ctx context.Context, sessionID, cutoff, now string,
	sign func(doc any) (string, error),
) (RetentionResult, error) {
	result := RetentionResult{SessionID: sessionID}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return result, fmt.Errorf("retention: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return result, fmt.Errorf("retention: begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()

	// Walk the expired prefix from where the last anchor left off.
	anchor, err := s.walkExpired(ctx, conn, sessionID, cutoff, &result)
	if err != nil || anchor == nil || result.Break != nil {
		return result, err
	}
	anchor.CreatedAt = now
	if anchor.Signature, err = sign(anchor); err != nil {
		return result, fmt.Errorf("sign retention anchor: %w", err)
	}

	// Store the anchor, open the gate for exactly this prefix, delete, close.
	steps := []struct {
		what  string
		query string
		args  []any
	}{
		{
			"store anchor", `INSERT INTO retention_anchors (session_id, first_seq, last_seq, event_count,
			last_hash, events_digest, created_at, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			[]any{
				anchor.SessionID, anchor.FirstSeq, anchor.LastSeq, anchor.Count, anchor.LastHash,
				anchor.EventsDigest, anchor.CreatedAt, anchor.Signature,
			},
		},
		{
			"open gate", `INSERT INTO retention_gate (session_id, up_to_seq) VALUES (?, ?)`,
			[]any{sessionID, anchor.LastSeq},
		},
		{
			"delete prefix", `DELETE FROM events WHERE session_id = ? AND seq <= ?`,
			[]any{sessionID, anchor.LastSeq},
		},
		{"close gate", `DELETE FROM retention_gate`, nil},
	}
	for _, st := range steps {
		if _, err := conn.ExecContext(ctx, st.query, st.args...); err != nil {
			return result, fmt.Errorf("retention of session %q: %s: %w", sessionID, st.what, err)
		}
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return result, fmt.Errorf("retention of session %q: commit: %w", sessionID, err)
	}
	committed = true
	result.Deleted, result.Anchor = anchor.Count, anchor
	return result, nil
}

// walkExpired verifies the session's stored events in seq order while their
// timestamps are before cutoff, and returns the unsigned anchor that would
// replace them (nil when none expired). A break is put in result.
func (s *Store) walkExpired(ctx context.Context, conn *sql.Conn, sessionID, cutoff string,
	result *RetentionResult,
) (*chain.Anchor, error) {
	sess, err := scanSession(conn.QueryRowContext(ctx, selectSession+" WHERE session_id = ?", sessionID))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("read head of session %q: %w", sessionID, err)
	}
	verifier := chain.NewVerifier(sessionID, sess.Head())
	prev, err := latestAnchor(ctx, conn, sessionID)
	if err != nil {
		return nil, err
	}
	first := int64(0)
	if prev != nil {
		verifier.StartAfter(prev)
		first = prev.LastSeq + 1
	}

	rows, err := conn.QueryContext(ctx, "SELECT "+eventColumns+
		" FROM events WHERE session_id = ? ORDER BY seq", sessionID)
	if err != nil {
		return nil, fmt.Errorf("read chain of session %q: %w", sessionID, err)
	}
	defer rows.Close()
	anchor := &chain.Anchor{SessionID: sessionID, FirstSeq: first}
	digest := chain.NewEventsDigest()
	var e chain.Event
	for rows.Next() {
		if err := scanEvent(rows, &e); err != nil {
			return nil, fmt.Errorf("read chain of session %q: %w", sessionID, err)
		}
		if e.Timestamp >= cutoff {
			break
		}
		if b := verifier.Add(&e); b != nil {
			result.Break = b
			return nil, nil
		}
		digest.Add(e.Hash)
		anchor.LastSeq, anchor.LastHash = e.Seq, e.Hash
		anchor.Count++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read chain of session %q: %w", sessionID, err)
	}
	if anchor.Count == 0 {
		return nil, nil
	}
	anchor.EventsDigest = digest.Sum()
	return anchor, nil
}

// ForgetDeliveries removes webhook delivery records received before cutoff.
func (s *Store) ForgetDeliveries(ctx context.Context, cutoff string) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE received_at < ?`, cutoff)
	if err != nil {
		return 0, fmt.Errorf("forget old webhook deliveries: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
