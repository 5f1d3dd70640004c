-- Retention: signed anchors stand in for deleted chain prefixes, and the
-- append-only DELETE guard admits exactly the prefix named by a gate row
-- that the retention job writes, and removes, in its own transaction.
CREATE TABLE retention_anchors (
    session_id    TEXT    NOT NULL,
    first_seq     INTEGER NOT NULL,
    last_seq      INTEGER NOT NULL,
    event_count   INTEGER NOT NULL,
    last_hash     TEXT    NOT NULL,
    events_digest TEXT    NOT NULL,
    created_at    TEXT    NOT NULL,
    signature     TEXT    NOT NULL,
    PRIMARY KEY (session_id, last_seq)
);

CREATE TABLE retention_gate (
    session_id TEXT    NOT NULL,
    up_to_seq  INTEGER NOT NULL
);

DROP TRIGGER events_append_only_delete;

CREATE TRIGGER events_append_only_delete
BEFORE DELETE ON events
WHEN NOT EXISTS (
    SELECT 1 FROM retention_gate g
    WHERE g.session_id = OLD.session_id AND OLD.seq <= g.up_to_seq
)
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: DELETE is allowed only to the retention job');
END;
