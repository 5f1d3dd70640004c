package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/agentlens/agentlens-go/store/chain"
)

// Verification is the outcome of walking one session's chain.
type Verification struct {
	SessionID string
	Head      chain.Head    // as the sessions table records it
	Anchor    *chain.Anchor // the retention anchor the walk started after, if any
	Events    int64         // events stored for the session
	FirstHash string        // hash of the first stored event
	LastHash  string        // hash of the last stored event
	Break     *chain.Break
}

// VerifySession walks the session's stored chain against its stored head,
// both read in one snapshot, and returns [ErrNotFound] when the database
// knows neither a head nor an event of it. It streams the events, so memory
// stays constant whatever the session's length.
func (s *Store) VerifySession(ctx context.Context, id string) (Verification, error) {
	return s.walkSession(ctx, id, nil)
}

// ExportSession verifies the session like [Store.VerifySession] and hands
// each event, in seq order, to visit, which must copy what it keeps. An
// error from visit stops the walk and is returned.
func (s *Store) ExportSession(ctx context.Context, id string, visit func(*chain.Event) error) (Verification, error) {
	return s.walkSession(ctx, id, visit)
}

// Timeline returns the session's events in seq order together with the
// verification of its chain, read in one snapshot.
//
// TODO: the whole session is held in memory; a session of millions of events
// needs a paged timeline, which the route's response shape does not offer yet.
func (s *Store) Timeline(ctx context.Context, id string) ([]chain.Event, Verification, error) {
	events := []chain.Event{}
	v, err := s.walkSession(ctx, id, func(e *chain.Event) error {
		events = append(events, *e)
		return nil
	})
	return events, v, err
}

// walkSession verifies the session and hands each event to visit (when
// non-nil); visit must copy what it keeps.
func (s *Store) walkSession(ctx context.Context, id string, visit func(*chain.Event) error) (Verification, error) {
	result := Verification{SessionID: id}
	if !bindable(id) {
		return result, ErrNotFound
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return result, fmt.Errorf("begin read: %w", err)
	}
	defer tx.Rollback()

	sess, err := scanSession(tx.QueryRowContext(ctx, selectSession+" WHERE session_id = ?", id))
	headMissing := errors.Is(err, ErrNotFound)
	if err != nil && !headMissing {
		return result, fmt.Errorf("read head of session %q: %w", id, err)
	}

	rows, err := tx.QueryContext(ctx,
		"SELECT seq, "+packedEvent+" FROM events WHERE session_id = ? ORDER BY seq", id)
	if err != nil {
		return result, fmt.Errorf("read chain of session %q: %w", id, err)
	}
	defer rows.Close()
	verifier := chain.NewVerifier(id, sess.Head())
	if result.Anchor, err = latestAnchor(ctx, tx, id); err != nil {
		return result, err
	}
	if a := result.Anchor; a != nil {
		keys, err := s.publicKeys(ctx)
		if err != nil {
			return result, err
		}
		if a.Verify(keys) != nil {
			result.Break = &chain.Break{SessionID: id, Seq: a.LastSeq, Reason: fmt.Sprintf(
				"the retention anchor covering seq %d to %d does not carry a valid signature: it was "+
					"forged or altered, so nothing can vouch for the deleted prefix", a.FirstSeq, a.LastSeq)}
			return result, nil
		}
		verifier.StartAfter(a)
	}
	// Read and hash at the same time: a goroutine reads chunks of rows while
	// this one verifies the previous chunk. Memory stays a few chunks.
	chunks, readErr, stop := readChunks(rows)
	defer stop()
	for chunk := range chunks {
		for i := range chunk {
			verifier.Add(&chunk[i])
			if visit != nil {
				if err := visit(&chunk[i]); err != nil {
					return result, err
				}
			}
		}
	}
	if err := readErr(); err != nil {
		return result, fmt.Errorf("read chain of session %q: %w", id, err)
	}
	if headMissing && verifier.Count() == 0 && result.Anchor == nil {
		return result, ErrNotFound
	}

	result.Head = sess.Head()
	result.Events = verifier.Count()
	result.FirstHash = verifier.FirstHash()
	result.LastHash = verifier.LastHash()
	result.Break = verifier.Finish()
	return result, nil
}

// packedEvent selects every field of an event as one BLOB, the fields
// joined by the unit separator (0x1F). go-libsql makes several cgo calls
// per column, which dominate a walk; one column per row is several times
// faster. No stored field can hold 0x1F (ids refuse control characters and
// JCS escapes them), so a row holding more than the 12 separators the
// query adds was tampered with, and is reported; seq is also read on its
// own, to place such a row.
const packedEvent = `CAST(id || char(31) || timestamp || char(31) || received_at || char(31) ||
	key_id || char(31) || session_id || char(31) || agent_id || char(31) || event_type ||
	char(31) || severity || char(31) || seq || char(31) || payload || char(31) || metadata ||
	char(31) || COALESCE(prev_hash, '') || char(31) || hash AS BLOB)`

// scanPacked reads a row of seq and packedEvent into e. A row whose fields
// cannot be told apart gets no hash, so that verification reports it.
func scanPacked(row scanner, e *chain.Event) error {
	var seq int64
	var packed []byte
	if err := row.Scan(&seq, &packed); err != nil {
		return err
	}
	var f [13][]byte
	n := 0
	for field := range bytes.SplitSeq(packed, []byte{0x1f}) {
		if n == len(f) {
			n++
			break
		}
		f[n] = field
		n++
	}
	if n != len(f) || string(f[8]) != strconv.FormatInt(seq, 10) {
		*e = chain.Event{ID: string(f[0]), Seq: seq}
		return nil
	}
	*e = chain.Event{
		ID: string(f[0]), Timestamp: string(f[1]), ReceivedAt: string(f[2]), KeyID: string(f[3]),
		SessionID: string(f[4]), AgentID: string(f[5]), EventType: string(f[6]), Severity: string(f[7]),
		Seq: seq, Payload: clip(f[9]), Metadata: clip(f[10]), PrevHash: string(f[11]), Hash: string(f[12]),
	}
	return nil
}

// clip caps b's capacity at its length, so that appending to a field can
// never write over the next one in the shared row buffer.
func clip(b []byte) []byte { return b[:len(b):len(b)] }

// readChunk is how many events the verifying walk reads at a time.
const readChunk = 512

// readChunks scans rows in a goroutine and sends the events in chunks.
// After the channel closes, readErr reports what ended the scan. stop ends
// the goroutine early and waits for it; call it before closing rows.
func readChunks(rows *sql.Rows) (chunks <-chan []chain.Event, readErr func() error, stop func()) {
	out := make(chan []chain.Event, 2)
	quit, done := make(chan struct{}), make(chan struct{})
	var err error
	go func() {
		defer close(done)
		defer close(out)
		chunk := make([]chain.Event, 0, readChunk)
		send := func() bool {
			select {
			case out <- chunk:
				chunk = make([]chain.Event, 0, readChunk)
				return true
			case <-quit:
				return false
			}
		}
		for rows.Next() {
			chunk = append(chunk, chain.Event{})
			if err = scanPacked(rows, &chunk[len(chunk)-1]); err != nil {
				return
			}
			if len(chunk) == readChunk && !send() {
				return
			}
		}
		if err = rows.Err(); err == nil && len(chunk) > 0 {
			send()
		}
	}()
	var once sync.Once
	return out, func() error { <-done; return err }, func() {
		once.Do(func() { close(quit) })
		<-done
	}
}

// SessionsInRange returns, in id order, the sessions with at least one event
// whose timestamp lies within [from, to] (chain.TimeLayout strings; "" is
// unbounded).
func (s *Store) SessionsInRange(ctx context.Context, from, to string) ([]string, error) {
	var w where
	if from != "" {
		w.add("timestamp >= ?", from)
	}
	if to != "" {
		w.add("timestamp <= ?", to)
	}
	ids, err := s.queryStrings(ctx,
		"SELECT DISTINCT CAST(session_id AS BLOB) FROM events"+w.String()+" ORDER BY 1", w.args...)
	if err != nil {
		return nil, fmt.Errorf("select sessions in range: %w", err)
	}
	return ids, nil
}

// SessionIDs returns, in id order, every session the database knows: those
// with a head and those with events, so that a session whose head row was
// removed is still verified.
func (s *Store) SessionIDs(ctx context.Context) ([]string, error) {
	ids, err := s.queryStrings(ctx, `SELECT CAST(session_id AS BLOB) FROM sessions
		UNION SELECT CAST(session_id AS BLOB) FROM events ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	return ids, nil
}

// queryStrings runs a query of one text column and collects its values.
func (s *Store) queryStrings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// VerifySessions verifies the sessions like [Store.VerifySession], several
// at a time (one per CPU), and returns their results in the order of ids.
// The first error stops the work and is returned.
func (s *Store) VerifySessions(ctx context.Context, ids []string) ([]Verification, error) {
	results := make([]Verification, len(ids))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, id := range ids {
		g.Go(func() error {
			v, err := s.VerifySession(ctx, id)
			if err != nil {
				return fmt.Errorf("session %q: %w", id, err)
			}
			results[i] = v
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return results, nil
}
