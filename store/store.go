package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	_ "github.com/tursodatabase/go-libsql" // registers the "libsql" driver
)

// ErrNotFound is returned when the session or event asked for does not exist.
var ErrNotFound = errors.New("not found")

// ErrClosed is returned by Append after Close has begun.
var ErrClosed = errors.New("store is closed")

// ErrUnavailable wraps failures to write the database itself (disk full,
// read-only file, I/O error, lock held too long), as opposed to a problem
// with one batch. Nothing of the batch was stored; the writer recovers by
// itself once the fault clears, so callers answer 503 and clients retry.
var ErrUnavailable = errors.New("database cannot be written")

// Config says where the database lives and how the store uses it. A zero
// field means its default.
type Config struct {
	// Path is the database file; it is created when missing.
	Path string
	// HeadCacheSize is how many session heads the writer keeps in memory
	// (default 10000).
	HeadCacheSize int
	// MaxReaders bounds the connections used by queries (default 8).
	MaxReaders int
	// BusyTimeoutMS is how long a connection waits for a lock held by another
	// process, such as the CLI, before failing (default 5000).
	BusyTimeoutMS int
	// OnCommit, when set, is called by the writer after every group commit
	// with what it committed and how long the transaction took; it must
	// not block.
	OnCommit func(CommitStats)
	// ReadOnly opens an existing database for queries and verification
	// only: no migration runs and Append fails with [ErrClosed]. An
	// auditor's copy is opened this way so that checking it changes nothing.
	ReadOnly bool
}

func (c Config) withDefaults() Config {
	if c.HeadCacheSize <= 0 {
		c.HeadCacheSize = 10000
	}
	if c.MaxReaders <= 0 {
		c.MaxReaders = 8
	}
	if c.BusyTimeoutMS <= 0 {
		c.BusyTimeoutMS = 5000
	}
	return c
}

// Store is an open AgentLens database. Its methods are safe for concurrent
// use. Close it to stop the writer and release the file.
type Store struct {
	db       *sql.DB
	path     string
	heads    *lru.Cache[string, Session]
	onCommit func(CommitStats)

	appends chan *appendRequest
	quit    chan struct{}
	done    chan struct{}
	closing sync.Once
	mu      sync.RWMutex // held for reading while sending on appends
	closed  bool

	writeErr atomic.Pointer[error] // the last group commit's storage failure, nil after a success
}

// Open opens (creating if needed) the database at cfg.Path, sets WAL and
// synchronous=FULL, applies pending migrations and starts the writer.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	cfg = cfg.withDefaults()
	if cfg.Path == "" {
		return nil, errors.New("open store: no database path")
	}
	if cfg.ReadOnly {
		if _, err := os.Stat(cfg.Path); err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			db.Close()
		}
	}()

	if cfg.ReadOnly {
		if err := checkSchema(ctx, db); err != nil {
			return nil, err
		}
		ok = true
		return &Store{db: db, path: cfg.Path, closed: true, done: closedChan()}, nil
	}
	if err := migrate(ctx, db); err != nil {
		return nil, err
	}
	heads, err := lru.New[string, Session](cfg.HeadCacheSize)
	if err != nil {
		return nil, fmt.Errorf("create head cache: %w", err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("open writer connection: %w", err)
	}

	s := &Store{
		db:       db,
		path:     cfg.Path,
		onCommit: cfg.OnCommit,
		heads:    heads,
		appends:  make(chan *appendRequest, 256),
		quit:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	go s.runWriter(conn)
	ok = true
	return s, nil
}

// openDB opens the file with every connection set up the same way, and
// checks that the settings took.
func openDB(ctx context.Context, cfg Config) (*sql.DB, error) {
	abs, err := filepath.Abs(cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("resolve database path: %w", err)
	}
	// The driver reads a URI: escape the path so that "?", "#" and "%" in a
	// file name stay part of it.
	dsn := "file:" + (&url.URL{Path: abs}).EscapedPath()

	// go-libsql opens the file when its connector is made; the connector is
	// reached through a throwaway handle because the driver type is private.
	probe, err := sql.Open("libsql", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", abs, err)
	}
	drv, ok := probe.Driver().(driver.DriverContext)
	probe.Close()
	if !ok {
		return nil, errors.New("open database: libsql driver has no connector")
	}
	base, err := drv.OpenConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", abs, err)
	}
	db := sql.OpenDB(&setupConnector{Connector: base, pragmas: []string{
		fmt.Sprintf("PRAGMA busy_timeout = %d", cfg.BusyTimeoutMS),
		"PRAGMA synchronous = FULL",
		"PRAGMA foreign_keys = ON",
	}})
	db.SetMaxOpenConns(cfg.MaxReaders + 1)
	db.SetMaxIdleConns(cfg.MaxReaders + 1)

	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		db.Close()
		return nil, fmt.Errorf("set journal_mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		db.Close()
		return nil, fmt.Errorf("set journal_mode: database reports %q, want wal", mode)
	}
	var level int
	if err := db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&level); err != nil {
		db.Close()
		return nil, fmt.Errorf("read synchronous: %w", err)
	}
	if level != 2 {
		db.Close()
		return nil, fmt.Errorf("set synchronous: database reports %d, want 2 (FULL)", level)
	}
	return db, nil
}

// setupConnector runs the per-connection PRAGMAs on every new connection.
type setupConnector struct {
	driver.Connector
	pragmas []string
}

func (c *setupConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	q, ok := conn.(driver.QueryerContext)
	if !ok {
		conn.Close()
		return nil, errors.New("connect: libsql connection cannot run queries")
	}
	for _, p := range c.pragmas {
		// Some PRAGMAs answer with a row, which go-libsql's Exec refuses.
		rows, err := q.QueryContext(ctx, p, nil)
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("connect: %s: %w", p, err)
		}
		rows.Close()
	}
	return conn, nil
}

// Close releases the native database handle when the pool closes.
func (c *setupConnector) Close() error {
	if cl, ok := c.Connector.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}

// Close stops accepting appends, lets the writer commit what is pending,
// and closes the database.
func (s *Store) Close() error {
	s.closing.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		if s.quit != nil {
			close(s.quit)
		}
		<-s.done
	})
	return s.db.Close()
}

func closedChan() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

// WriteError returns the storage failure of the last group commit, or nil
// when it succeeded (or nothing was written yet).
func (s *Store) WriteError() error {
	if p := s.writeErr.Load(); p != nil {
		return *p
	}
	return nil
}

// CommitStats describes one group commit.
type CommitStats struct {
	Batches  int // batches in the group
	Failed   int // batches that were refused or rolled back
	Events   int // events committed
	Duration time.Duration
}

// Size returns the bytes the database occupies on disk, its WAL included.
func (s *Store) Size() int64 {
	var total int64
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(s.path + suffix); err == nil {
			total += fi.Size()
		}
	}
	return total
}

// Ping checks that the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// Backup writes a consistent copy of the live database to path with
// VACUUM INTO; path must not exist yet. Appends may go on meanwhile: the
// copy holds every batch committed before it started.
func (s *Store) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("back up to %s: the file exists; choose a new name", path)
	}
	if _, err := s.db.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return fmt.Errorf("back up to %s: %w", path, err)
	}
	return nil
}
