package zendesk

import (
	"encoding/json"
	"net/http"
	"strings"

	api "github.com/omnigate/omnigate/apis/zendesk"
)

// ErrInvalidSearch is the error code of a search query the search service
// cannot run; Zendesk documents "invalid" and "unavailable" for search.
const ErrInvalidSearch = "invalid"

// WriteError writes Zendesk's error answer for a status. The harness uses it
// for injected faults and rate limits, the handlers for their own errors
// that carry no field details.
//
//   - 401: {"error":"Couldn't authenticate you"} and a WWW-Authenticate
//     challenge.
//   - 429: the plain-text body Zendesk sends, not JSON; the harness has set
//     Retry-After.
//   - 404: {"error":"RecordNotFound","description":"Not found"}.
//   - 422: {"error":"RecordInvalid","description":"Record validation
//     errors","details":{"base":[...]}}.
//   - others: {"error": <code>, "description": message}.
func WriteError(w http.ResponseWriter, r *http.Request, status int, message string) {
	switch status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Basic realm="Web Password"`)
		writeJSON(w, status, api.Error{Error: api.ErrAuth})
	case http.StatusTooManyRequests:
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(api.RateLimitBody))
	case http.StatusNotFound:
		writeJSON(w, status, api.Error{Error: api.ErrRecordNotFound, Description: "Not found"})
	case http.StatusForbidden:
		writeJSON(w, status, api.Error{Error: "Forbidden", Description: "You do not have access to this page. Please contact the account owner of this help desk for further help."})
	case http.StatusUnprocessableEntity:
		writeJSON(w, status, api.Error{
			Error:       api.ErrRecordInvalid,
			Description: "Record validation errors",
			Details:     map[string][]api.ErrorDetail{"base": {{Description: message}}},
		})
	default:
		code := strings.ReplaceAll(http.StatusText(status), " ", "")
		if code == "" {
			code = "Error"
		}
		writeJSON(w, status, api.Error{Error: code, Description: message})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding answer: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// badRequest answers 400 with an error code and a description that names
// what was wrong.
func badRequest(w http.ResponseWriter, code, description string) {
	writeJSON(w, http.StatusBadRequest, api.Error{Error: code, Description: description})
}

// invalidRecord answers 422 with Zendesk's per-field validation details.
func invalidRecord(w http.ResponseWriter, details map[string][]api.ErrorDetail) {
	writeJSON(w, http.StatusUnprocessableEntity, api.Error{
		Error:       api.ErrRecordInvalid,
		Description: "Record validation errors",
		Details:     details,
	})
}
