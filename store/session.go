package store

import (
	"encoding/json"

	"github.com/agentlens/agentlens-go/store/chain"
)

// Session is a chain's head and the summary derived from its events when
// they were appended.
type Session struct {
	ID        string
	AgentID   string
	AgentName string // "" until a session_started names one
	// Status is "active", or "completed"/"error" after a session_ended.
	Status        string
	StartedAt     string // timestamp of the event at seq 0
	EndedAt       string // timestamp of the session_ended event, "" before
	CreatedAt     string
	UpdatedAt     string // receivedAt of the last event
	LastTimestamp string // timestamp of the last event
	EventCount    int64
	ToolCallCount int64
	ErrorCount    int64
	Tags          []string
	LastHash      string

	costTrackedUSD float64
	hasCostTracked bool
	llmCostUSD     float64
}

// Head returns the chain head recorded for the session.
func (s *Session) Head() chain.Head {
	return chain.Head{Count: s.EventCount, LastHash: s.LastHash}
}

// HeadSeq is the seq of the last event.
func (s *Session) HeadSeq() int64 { return s.EventCount - 1 }

// TotalCostUSD sums cost_tracked events when the session has any, and
// llm_response costs otherwise, so that nothing counts twice.
func (s *Session) TotalCostUSD() float64 {
	if s.hasCostTracked {
		return s.costTrackedUSD
	}
	return s.llmCostUSD
}

// apply folds one sealed event into the summary.
func (s *Session) apply(e *chain.Event) {
	if s.EventCount == 0 {
		s.ID = e.SessionID
		s.AgentID = e.AgentID
		s.Status = "active"
		s.StartedAt = e.Timestamp
		s.CreatedAt = e.Timestamp
	}
	s.EventCount++
	s.LastHash = e.Hash
	s.UpdatedAt = e.ReceivedAt
	s.LastTimestamp = e.Timestamp

	isError := e.Severity == "error" || e.Severity == "critical"
	switch e.EventType {
	case "session_started":
		var p struct {
			AgentName *string  `json:"agentName"`
			Tags      []string `json:"tags"`
		}
		if json.Unmarshal(e.Payload, &p) == nil {
			if p.AgentName != nil {
				s.AgentName = *p.AgentName
			}
			if p.Tags != nil {
				s.Tags = p.Tags
			}
		}
	case "session_ended":
		var p struct {
			Reason string `json:"reason"`
		}
		_ = json.Unmarshal(e.Payload, &p)
		switch p.Reason {
		case "completed", "manual":
			s.Status = "completed"
		case "error", "timeout":
			s.Status = "error"
		}
		s.EndedAt = e.Timestamp
	case "tool_call":
		s.ToolCallCount++
	case "tool_error", "error":
		isError = true
	case "cost_tracked":
		s.costTrackedUSD += costOf(e.Payload)
		s.hasCostTracked = true
	case "llm_response":
		s.llmCostUSD += costOf(e.Payload)
	}
	if isError {
		s.ErrorCount++
	}
}

// costOf reads payload.costUsd, 0 when absent or not a number.
func costOf(payload []byte) float64 {
	var p struct {
		CostUSD float64 `json:"costUsd"`
	}
	_ = json.Unmarshal(payload, &p)
	return p.CostUSD
}
