-- The SHA-256 of each recorded delivery's body, so that a repeated delivery
-- id with a different body is refused instead of answered with the first
-- result. Deliveries recorded before this column have ''.
ALTER TABLE webhook_deliveries ADD COLUMN request_hash TEXT NOT NULL DEFAULT '';
