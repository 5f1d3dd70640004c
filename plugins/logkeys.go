package plugins

// Log attribute keys.
const (
	keyDuration     = "duration"
	keyEventIndex   = "event_index"
	keyEventType    = "event_type"
	keyOutput       = "output"
	keyPath         = "path"
	keyPayloadBytes = "payload_bytes"
	keyPlugin       = "plugin"
	keyPoolSize     = "pool_size"
	keySessionID    = "session_id"
	keySHA256       = "sha256"
	keyStream       = "stream"
	keyTimeout      = "timeout"
	keyTruncated    = "truncated"
)
