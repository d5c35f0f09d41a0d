package harness

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// ControlHandler serves the control port:
//
//	GET    /healthz          200 "ok"
//	GET    /credentials      the demo credentials, as given
//	GET    /stats            counters: system → endpoint → {calls, keys, bytes, ...}
//	POST   /stats/reset      zero the counters
//	GET    /faults           the active faults
//	POST   /faults           add one fault object or an array of them
//	DELETE /faults[?system=] remove all faults, or one system's
//	GET    /limits           rate limits in requests a second
//	POST   /limits           {"square": 10, ...}: set limits (0 removes)
func (h *Harness) ControlHandler(credentials any) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /credentials", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, credentials)
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, h.stats.Snapshot())
	})
	mux.HandleFunc("POST /stats/reset", func(w http.ResponseWriter, r *http.Request) {
		h.stats.Reset()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /faults", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, h.faults.List())
	})
	mux.HandleFunc("POST /faults", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "reading body: " + err.Error()})
			return
		}
		var fs []Fault
		if trimmed := strings.TrimSpace(string(body)); strings.HasPrefix(trimmed, "[") {
			err = strictUnmarshal(body, &fs)
		} else {
			var f Fault
			err = strictUnmarshal(body, &f)
			fs = []Fault{f}
		}
		if err == nil {
			err = h.faults.Add(fs...)
		}
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, h.faults.List())
	})
	mux.HandleFunc("DELETE /faults", func(w http.ResponseWriter, r *http.Request) {
		h.faults.Clear(r.URL.Query().Get("system"))
		writeJSON(w, http.StatusOK, h.faults.List())
	})
	mux.HandleFunc("GET /limits", func(w http.ResponseWriter, r *http.Request) {
		out := map[string]float64{}
		for _, s := range Systems {
			out[s] = h.limits.Get(s)
		}
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("POST /limits", func(w http.ResponseWriter, r *http.Request) {
		var in map[string]float64
		if err := strictUnmarshalReader(r.Body, &in); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		for sys := range in {
			if !isSystem(sys) {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("limits: system %q is not one of %s", sys, strings.Join(Systems, ", "))})
				return
			}
		}
		for sys, v := range in {
			h.limits.Set(sys, v)
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

func isSystem(s string) bool {
	for _, x := range Systems {
		if x == s {
			return true
		}
	}
	return false
}

func strictUnmarshal(b []byte, v any) error {
	return strictUnmarshalReader(strings.NewReader(string(b)), v)
}

func strictUnmarshalReader(r io.Reader, v any) error {
	dec := json.NewDecoder(io.LimitReader(r, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid JSON body: %v", err)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
