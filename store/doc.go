// Package store keeps AgentLens events in an embedded libSQL database file:
// the schema and its migrations, the append-only guards, the single writer
// that appends batches to session chains, and the queries behind the read
// and verify routes.
//
// It never logs; every failure is returned with the step that failed.
//
// # Design notes
//
// One goroutine owns every append (see [Store.Append]). It commits the
// batches that are waiting together, in one transaction with one fsync,
// each batch under its own savepoint so that a bad batch fails alone. Seq
// and prevHash are assigned only there, which is why a chain never forks
// whatever the number of concurrent writers; the UNIQUE (session_id, seq)
// constraint and the append-only triggers are backstops, not the guard.
//
// Session heads are cached in an LRU and dropped whenever a commit fails.
// Verification never trusts the cache: it reads heads and events from the
// file in one read transaction.
//
// go-libsql returns TEXT that looks like a date as time.Time and cuts TEXT
// at a NUL byte, so every text column that is hashed is read as
// CAST(x AS BLOB). Stored text never contains a NUL: ids refuse control
// characters and JCS escapes them inside payloads.
package store
