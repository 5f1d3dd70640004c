package api

import (
	"fmt"
	"net/url"

	"github.com/agentlens/agentlens-go/store/chain"
)

// TimeRange reads the optional from and to query parameters, RFC 3339
// date-times, rendered in the stored timestamp form; "" for an absent bound.
// A malformed one is a 400 naming it.
func TimeRange(q url.Values) (from, to string, err error) {
	if from, err = timeParam(q, "from"); err != nil {
		return "", "", err
	}
	to, err = timeParam(q, "to")
	return from, to, err
}

func timeParam(q url.Values, name string) (string, error) {
	s := q.Get(name)
	if s == "" {
		return "", nil
	}
	t, err := chain.ParseTime(s)
	if err != nil {
		return "", BadRequest(fmt.Sprintf("%s must be an RFC 3339 date-time such as 2026-02-08T10:00:00Z.", name))
	}
	return t, nil
}
