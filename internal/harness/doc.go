// Package harness is the test harness shared by the e2e, crash and bench
// tools: it starts the agentlens binary under test as a child process, waits
// until it answers GET /api/health, stops it with SIGTERM or kills it, and
// keeps the tail of its log to show when something fails. It also finds the
// module root and the binary and configuration the tools run, picks a free
// port on 127.0.0.1, and carries the small HTTP client helpers and answer
// types the tools share, and the PASS/FAIL report of e2e and crash.
//
// A server runs as `agentlens serve --config FILE` on 127.0.0.1, with its
// address, database, log level (warn) and, unless told otherwise,
// AUTH_DISABLED=true set in its environment, and every other setting the
// server reads removed from the environment it inherits, so the shell that
// runs a tool cannot change the server under test.
//
// It does not decide what a tool checks or measures: each tool keeps its own
// checks, summary and measurements.
//
// # Design notes
//
// [FreePort] asks the kernel for a free port and releases it before the
// server binds it, so another program may take it meanwhile; a caller that
// must not fail on that race (crash, which starts the server many times)
// retries on a new port when the server exits saying the address is in use.
//
// [Server.WaitHealthy] takes the probe as a function so that each tool keeps
// its own HTTP client (keep-alive or not, per-request timeout) while the
// harness owns the loop and the two ways it can end.
package harness
