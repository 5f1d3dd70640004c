-- Events: one row per event, append-only. Column names are the event fields
-- in snake case; hashes are 64-character lowercase hex. payload and metadata
-- hold the JCS text that the hash covers.
CREATE TABLE events (
    id          TEXT    NOT NULL PRIMARY KEY,
    timestamp   TEXT    NOT NULL,
    received_at TEXT    NOT NULL,
    key_id      TEXT    NOT NULL,
    session_id  TEXT    NOT NULL,
    agent_id    TEXT    NOT NULL,
    event_type  TEXT    NOT NULL,
    severity    TEXT    NOT NULL,
    seq         INTEGER NOT NULL CHECK (seq >= 0),
    payload     TEXT    NOT NULL,
    metadata    TEXT    NOT NULL,
    prev_hash   TEXT,
    hash        TEXT    NOT NULL,
    UNIQUE (session_id, seq)
);

CREATE INDEX events_by_time ON events (timestamp, id);
CREATE INDEX events_by_agent ON events (agent_id, timestamp);
CREATE INDEX events_by_type ON events (event_type, timestamp);

-- The append-only guards: no event is ever changed or removed.
CREATE TRIGGER events_append_only_update
BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: UPDATE is not allowed');
END;

CREATE TRIGGER events_append_only_delete
BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: DELETE is not allowed');
END;

-- Sessions: the head of each chain (event_count, last_hash) and the summary
-- derived from its events at append time.
CREATE TABLE sessions (
    session_id       TEXT    NOT NULL PRIMARY KEY,
    agent_id         TEXT    NOT NULL,
    agent_name       TEXT,
    status           TEXT    NOT NULL DEFAULT 'active',
    started_at       TEXT    NOT NULL,
    ended_at         TEXT,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL,
    last_timestamp   TEXT    NOT NULL,
    event_count      INTEGER NOT NULL,
    tool_call_count  INTEGER NOT NULL DEFAULT 0,
    error_count      INTEGER NOT NULL DEFAULT 0,
    cost_tracked_usd REAL    NOT NULL DEFAULT 0,
    has_cost_tracked INTEGER NOT NULL DEFAULT 0,
    llm_cost_usd     REAL    NOT NULL DEFAULT 0,
    tags             TEXT    NOT NULL DEFAULT '[]',
    last_hash        TEXT    NOT NULL
);

CREATE INDEX sessions_by_start ON sessions (started_at, session_id);
CREATE INDEX sessions_by_agent ON sessions (agent_id, started_at);
