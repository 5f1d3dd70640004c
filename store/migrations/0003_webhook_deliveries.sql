-- Webhook deliveries already appended, so that a sender's retry of the same
-- delivery id returns the first result instead of appending again. A row is
-- written in the same transaction as the event it produced.
CREATE TABLE webhook_deliveries (
    source      TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    session_id  TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (source, delivery_id)
);
