-- API keys. Only the SHA-256 of the whole key string ("als_…") is stored, as
-- lowercase hex; prefix is a short display form that identifies a key
-- without revealing it. scopes and agents are JSON arrays of strings;
-- agents is NULL for a key that may write for any agent.
CREATE TABLE api_keys (
    id           TEXT NOT NULL PRIMARY KEY,
    name         TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    scopes       TEXT NOT NULL,
    agents       TEXT,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
