// Package capture keeps the answers a connector receives from its vendor,
// for the connectors' decode benchmarks: they fetch real answers once
// through a Transport and then time decoding them.
package capture

import (
	"bytes"
	"cmp"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/omnigate/omnigate/channelsim/world"
	"github.com/omnigate/omnigate/sources/upstream"
)

// Serve generates the decode benchmarks' world (300 people, seed 1) and
// starts one system's simulator on it; simulator builds the simulator's
// handler from the world. It returns the world, the simulator's URL, a
// Transport to the simulator for the connector to fetch through, and the
// function that stops the simulator.
func Serve(simulator func(*world.World) http.Handler) (*world.World, string, *Transport, func(), error) {
	w, err := world.Generate(world.Options{People: 300, Seed: 1})
	if err != nil {
		return nil, "", nil, nil, err
	}
	srv := httptest.NewServer(simulator(w))
	return w, srv.URL, New(srv.Client().Transport), srv.Close, nil
}

// Answer is one answer as the connector received it.
type Answer struct {
	Status int
	Body   []byte
}

// Transport is an http.RoundTripper that keeps, per request path, the
// largest answer the connector received since the last Take. The
// connector still reads every answer in full.
type Transport struct {
	base http.RoundTripper
	mu   sync.Mutex
	got  map[string]Answer
}

// New returns a Transport that sends every request through base.
func New(base http.RoundTripper) *Transport {
	return &Transport{base: base, got: map[string]Answer{}}
}

// RoundTrip sends r through the base transport and keeps the answer when
// it is the largest one yet for r's path.
func (t *Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	t.mu.Lock()
	if len(b) >= len(t.got[r.URL.Path].Body) {
		t.got[r.URL.Path] = Answer{Status: resp.StatusCode, Body: b}
	}
	t.mu.Unlock()
	return resp, nil
}

// Largest returns the largest answer kept for path, the zero Answer when
// none was.
func (t *Transport) Largest(path string) Answer {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.got[path]
}

// Take returns the largest answer kept for path and forgets every answer,
// so that the next call of an endpoint is kept apart from this one.
func (t *Transport) Take(path string) Answer {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.got[path]
	t.got = map[string]Answer{}
	return a
}

// Most returns the key with the highest count, the smallest key on a tie,
// so that the pick does not depend on map order. It returns the zero key
// when counts is empty.
func Most[K cmp.Ordered](counts map[K]int) K {
	var best K
	found := false
	for k, n := range counts {
		if !found || n > counts[best] || (n == counts[best] && k < best) {
			best, found = k, true
		}
	}
	return best
}

// Body returns the body of the answer named endpoint among those answers
// returns. It fails tb when answers fails or that answer is not a
// non-empty 2xx one.
func Body(tb testing.TB, answers func() (map[string]Answer, error), endpoint string) []byte {
	tb.Helper()
	all, err := answers()
	if err != nil {
		tb.Fatal(err)
	}
	a := all[endpoint]
	if len(a.Body) == 0 || a.Status < 200 || a.Status > 299 {
		tb.Fatalf("%s: no 2xx answer was captured (status %d, %d bytes)", endpoint, a.Status, len(a.Body))
	}
	return a.Body
}

// Decode runs b's timed loop: it decodes body into a fresh T with
// upstream.Unmarshal, then use(&v) must return how many usable items it
// found; zero fails the benchmark, naming what.
func Decode[T any](b *testing.B, body []byte, what string, use func(*T) int) {
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for b.Loop() {
		var v T
		if err := upstream.Unmarshal(body, &v); err != nil {
			b.Fatal(err)
		}
		if use(&v) == 0 {
			b.Fatalf("%s: the answer decodes to nothing usable", what)
		}
	}
}
