package harness

// IngestResponse is the 201 body of POST /api/events.
type IngestResponse struct {
	Ingested int `json:"ingested"`
	Events   []struct {
		ID   string `json:"id"`
		Hash string `json:"hash"`
	} `json:"events"`
}

// VerifyResponse is the body of GET /api/audit/verify.
type VerifyResponse struct {
	Verified     bool          `json:"verified"`
	TotalEvents  int64         `json:"totalEvents"`
	BrokenChains []BrokenChain `json:"brokenChains"`
}

// BrokenChain is one entry of brokenChains, from the API or from
// `agentlens verify --json`.
type BrokenChain struct {
	SessionID     string `json:"sessionId"`
	FailedAtIndex int64  `json:"failedAtIndex"`
	FailedEventID string `json:"failedEventId"`
	Reason        string `json:"reason"`
}
