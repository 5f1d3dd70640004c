package verify

import (
	"bufio"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/agentlens/agentlens-go/api"
	"github.com/agentlens/agentlens-go/store/chain"
)

// export answers GET /api/audit/export with a signed bundle of whole
// sessions: a JSON document, or NDJSON when the client accepts
// application/x-ndjson.
func (h *handler) export(w http.ResponseWriter, r *http.Request) error {
	sel, err := h.selectSessions(r)
	if err != nil {
		return err
	}
	if acceptsNDJSON(r.Header.Get("Accept")) {
		return h.exportNDJSON(w, r, sel)
	}

	// A JSON bundle is signed over its whole canonical text, so it is built
	// in memory.
	// TODO: memory grows with the export; ask for NDJSON (constant memory)
	// for large exports. A size cap with a clear error would be kinder.
	bundle := chain.Bundle{
		Format: chain.BundleFormat, Version: chain.BundleVersion,
		ExportedAt: chain.FormatTime(h.cfg.Now()), SessionID: sel.sessionID,
		KeyID: h.cfg.Signer.KeyID(), Heads: []chain.BundleHead{}, Events: []chain.Event{},
	}
	if sel.sessionID == "" {
		bundle.From, bundle.To = sel.from, sel.to
	}
	for _, id := range sel.ids {
		res, err := h.cfg.Store.ExportSession(r.Context(), id, func(e *chain.Event) error {
			bundle.Events = append(bundle.Events, *e)
			return nil
		})
		if err != nil {
			return sel.notFound(err)
		}
		bundle.Heads = append(bundle.Heads, headOf(res))
	}
	if bundle.Signature, err = h.cfg.Signer.Sign(bundle); err != nil {
		return fmt.Errorf("sign bundle: %w", err)
	}
	w.Header().Set("Content-Disposition", `attachment; filename="agentlens-bundle.json"`)
	return api.WriteJSON(w, http.StatusOK, bundle)
}

// exportNDJSON streams one event per line, then a trailer signing the heads
// and the digest of the event hashes; memory stays constant.
func (h *handler) exportNDJSON(w http.ResponseWriter, r *http.Request, sel selection) error {
	// A named session that does not exist is a 404 before anything is sent.
	if sel.sessionID != "" {
		if _, err := h.cfg.Store.VerifySession(r.Context(), sel.sessionID); err != nil {
			return sel.notFound(err)
		}
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Content-Disposition", `attachment; filename="agentlens-bundle.ndjson"`)
	out := bufio.NewWriter(w)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)

	trailer := chain.NDJSONTrailer{Format: chain.NDJSONBundleFormat, Heads: []chain.BundleHead{}}
	digest := chain.NewEventsDigest()
	for _, id := range sel.ids {
		res, err := h.cfg.Store.ExportSession(r.Context(), id, func(e *chain.Event) error {
			digest.Add(e.Hash)
			return enc.Encode(e)
		})
		if err != nil {
			// Lines were sent already; end without a trailer, so the bundle
			// does not verify, and let the host log the cause.
			out.Flush()
			return fmt.Errorf("export session %q: %w", id, err)
		}
		trailer.Heads = append(trailer.Heads, headOf(res))
	}
	trailer.EventsDigest = digest.Sum()
	var err error
	if trailer.Signature, err = h.cfg.Signer.Sign(trailer); err != nil {
		return fmt.Errorf("sign bundle trailer: %w", err)
	}
	if err := enc.Encode(trailer); err != nil {
		return err
	}
	return out.Flush()
}

func headOf(res Result) chain.BundleHead {
	return chain.BundleHead{
		SessionID: res.SessionID, Count: res.Head.Count, LastHash: res.Head.LastHash, Anchor: res.Anchor,
	}
}

// acceptsNDJSON reports whether the Accept header asks for NDJSON.
func acceptsNDJSON(accept string) bool {
	for part := range strings.SplitSeq(accept, ",") {
		if mt, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && mt == "application/x-ndjson" {
			return true
		}
	}
	return false
}
