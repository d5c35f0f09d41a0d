// Package harness is what every simulated channel system shares: routing with
// named endpoints, request counters, injected faults and rate limits. A vendor
// package registers its routes on a Mux; the harness counts each call, applies
// the faults set for that system and endpoint, and then runs the vendor's
// handler. Handlers report how many ids or keys a call asked for with Keys, so
// that tests and benchmarks can prove the gateway batches.
package harness

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// Harness holds the counters, faults and rate limits of all systems.
type Harness struct {
	stats  *Stats
	faults *Faults
	limits *Limits
	trace  *Trace
}

// New returns a harness with no faults and no rate limits.
func New() *Harness {
	return &Harness{stats: newStats(), faults: newFaults(), limits: newLimits(), trace: &Trace{}}
}

// Stats returns the request counters.
func (h *Harness) Stats() *Stats { return h.stats }

// Faults returns the fault table.
func (h *Harness) Faults() *Faults { return h.faults }

// Limits returns the rate limits.
func (h *Harness) Limits() *Limits { return h.limits }

// System describes one simulated vendor to the harness.
type System struct {
	// Name is the system's name: commercetools, square, klaviyo or zendesk.
	Name string
	// WriteError writes the vendor's own error body for an HTTP status. It is
	// used for injected errors and rate limits, so that a client sees exactly
	// what the vendor would send.
	WriteError func(w http.ResponseWriter, r *http.Request, status int, message string)
}

// Mux routes one system's requests to its handlers, by Go 1.22 patterns such
// as "GET /v2/locations" or "POST /{projectKey}/carts/{id}".
type Mux struct {
	h   *Harness
	sys System
	mux *http.ServeMux
	mu  sync.Mutex
	eps []string
}

// NewMux returns an empty mux for one system. Requests that match no route
// get the vendor's 404 body.
func (h *Harness) NewMux(sys System) *Mux {
	m := &Mux{h: h, sys: sys, mux: http.NewServeMux()}
	m.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.stats.add(sys.Name, "unmatched", 1)
		sys.WriteError(w, r, http.StatusNotFound, "no such resource: "+r.Method+" "+r.URL.Path)
	})
	return m
}

// Handle registers a handler under a pattern and an endpoint name. The name is
// what counters and faults use, e.g. "customers.search".
func (m *Mux) Handle(pattern, endpoint string, fn http.HandlerFunc) {
	m.mu.Lock()
	m.eps = append(m.eps, endpoint)
	m.mu.Unlock()
	m.mux.Handle(pattern, m.wrap(endpoint, fn))
}

// Endpoints lists the registered endpoint names in registration order.
func (m *Mux) Endpoints() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.eps...)
}

func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.mux.ServeHTTP(w, r) }

type ctxKey struct{}

type callInfo struct {
	h        *Harness
	system   string
	endpoint string
	counted  bool
}

// Keys records how many ids or keys the current call asked for. Call it once
// per request from a handler, after parsing the request; a call that never
// reports keys counts as zero keys.
func Keys(r *http.Request, n int) {
	ci, _ := r.Context().Value(ctxKey{}).(*callInfo)
	if ci == nil || ci.counted {
		return
	}
	ci.counted = true
	ci.h.stats.addKeys(ci.system, ci.endpoint, n)
}

func (m *Mux) wrap(endpoint string, fn http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m.h.trace.enabled() {
			from := time.Now()
			defer func() { m.h.trace.add(r.Header.Get("X-Request-Id"), from, time.Now()) }()
		}
		name := m.sys.Name
		m.h.stats.add(name, endpoint, 1)
		if ok, retry := m.h.limits.allow(name); !ok {
			w.Header().Set("Retry-After", retry)
			rec := &statusRecorder{ResponseWriter: w, status: http.StatusTooManyRequests}
			m.sys.WriteError(rec, r, http.StatusTooManyRequests, "rate limit exceeded, retry after "+retry+" seconds")
			m.h.stats.status(name, endpoint, http.StatusTooManyRequests, rec.bytes)
			return
		}
		ci := &callInfo{h: m.h, system: name, endpoint: endpoint}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, ci))
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		m.h.faults.serve(m.sys, endpoint, rec, r, fn)
		m.h.stats.status(name, endpoint, rec.status, rec.bytes)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
	bytes       int64 // of the body written
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wroteHeader {
		s.status = code
		s.wroteHeader = true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wroteHeader = true
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection, for dropped
// connections.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
