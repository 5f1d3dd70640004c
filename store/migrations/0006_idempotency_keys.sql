-- Idempotency-Key of POST /api/events: a retry with the same key (per
-- writing API key) and the same body returns the first response, and one
-- with another body is refused. The row is written in the same transaction
-- as the batch it records.
CREATE TABLE idempotency_keys (
    caller       TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    event_ids    TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (caller, idem_key)
);

CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
