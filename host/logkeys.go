package host

// Attribute keys of the host's log lines.
const (
	keyMethod       = "method"
	keyRoute        = "route"
	keyStatus       = "status"
	keyDuration     = "duration_ms"
	keyRequestID    = "request_id"
	keyIngested     = "ingested"
	keyError        = "error"
	keyFunction     = "function"
	keyAddr         = "addr"
	keyPath         = "path"
	keyVersion      = "version"
	keyConfig       = "config"
	keyKeyID        = "key_id"
	keySigningKeyID = "signing_key_id"
	keySessionID    = "session_id"
	keySeq          = "seq"
	keyReason       = "reason"
	keyCutoff       = "cutoff"
	keyTask         = "task"
	keyPlugins      = "plugins"
	keyPlugin       = "plugin"
	keyEventIndex   = "event_index"
	keyRejected     = "rejected"
)
