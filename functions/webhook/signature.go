package webhook

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/agentlens/agentlens-go/api"
)

// replayWindow is how far X-Webhook-Timestamp may be from the server's clock.
const replayWindow = 5 * time.Minute

// Signed sources and the setting that holds each one's secret.
var secretSettings = map[string]string{
	"agentgate":  "AGENTGATE_WEBHOOK_SECRET",
	"formbridge": "FORMBRIDGE_WEBHOOK_SECRET",
	"generic":    "GENERIC_WEBHOOK_SECRET",
}

// readSource reads the top-level "source" member and nothing else of the
// body: everything past it is skipped unread until a signature holds.
func readSource(body []byte) (string, error) {
	bad := api.BadRequest(`The delivery must be a JSON object with a "source" string.`)
	dec := jsontext.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return "", bad
	}
	for {
		tok, err := dec.ReadToken()
		if err != nil || tok.Kind() != '"' {
			return "", bad // end of object, or malformed, before "source"
		}
		if tok.String() != "source" {
			if err := dec.SkipValue(); err != nil {
				return "", bad
			}
			continue
		}
		v, err := dec.ReadToken()
		if err != nil || v.Kind() != '"' {
			return "", bad
		}
		source := v.String()
		if _, ok := secretSettings[source]; !ok {
			return "", api.BadRequest(fmt.Sprintf("Unknown source %q; sources are agentgate, formbridge and generic.", clip(source)))
		}
		return source, nil
	}
}

// authenticate decides who wrote the delivery: the source itself when its
// signature holds, else (generic only) the API key the host authenticated.
func (h *handler) authenticate(r *http.Request, source string, body []byte) (api.Caller, error) {
	caller, hasCaller := api.CallerFrom(r.Context())
	signature := r.Header.Get("X-Webhook-Signature")
	if source == "generic" && signature == "" && hasCaller {
		return caller, nil
	}
	if source == "generic" && signature == "" {
		return api.Caller{}, unauthorized(
			"A generic delivery needs an API key with webhook:write or a signature made with the generic secret.")
	}

	secret := h.secret(source)
	if secret == "" {
		if source == "generic" && hasCaller {
			return caller, nil
		}
		return api.Caller{}, &api.Error{
			Status:  http.StatusInternalServerError,
			Message: fmt.Sprintf("%s deliveries cannot be checked: %s is not set on the server.", source, secretSettings[source]),
		}
	}
	if signature == "" {
		return api.Caller{}, unauthorized("The delivery has no X-Webhook-Signature.")
	}
	if err := verifySignature(secret, signature, r.Header.Get("X-Webhook-Timestamp"), body, h.cfg.Now()); err != nil {
		return api.Caller{}, unauthorized(err.Error())
	}
	return api.Caller{KeyID: "webhook:" + source}, nil
}

func (h *handler) secret(source string) string {
	switch source {
	case "agentgate":
		return h.cfg.Secrets.AgentGate
	case "formbridge":
		return h.cfg.Secrets.FormBridge
	default:
		return h.cfg.Secrets.Generic
	}
}

// verifySignature checks signature (hex, either case, optionally prefixed
// "sha256=") against HMAC-SHA256 of the body, or of "<timestamp>.<body>"
// when the sender stamped the delivery, in constant time.
func verifySignature(secret, signature, timestamp string, body []byte, now time.Time) error {
	mac := hmac.New(sha256.New, []byte(secret))
	if timestamp != "" {
		ts, err := strconv.ParseInt(timestamp, 10, 64)
		if err != nil {
			return errors.New("X-Webhook-Timestamp must be Unix seconds")
		}
		if d := now.Sub(time.Unix(ts, 0)); d > replayWindow || d < -replayWindow {
			return errors.New("X-Webhook-Timestamp is more than 5 minutes from the server's time; " +
				"the delivery is refused as a possible replay")
		}
		io.WriteString(mac, timestamp+".")
	}
	mac.Write(body)

	hexSig := signature
	if len(hexSig) > 7 && strings.EqualFold(hexSig[:7], "sha256=") {
		hexSig = hexSig[7:]
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || !hmac.Equal(got, mac.Sum(nil)) {
		return errors.New("X-Webhook-Signature does not match the delivery")
	}
	return nil
}

func unauthorized(message string) error {
	return &api.Error{Status: http.StatusUnauthorized, Message: message}
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
