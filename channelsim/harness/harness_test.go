package harness

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func testSystem() System {
	return System{Name: "square", WriteError: func(w http.ResponseWriter, r *http.Request, status int, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"detail": msg}}})
	}}
}

func newTestServer(t *testing.T) (*Harness, *httptest.Server) {
	t.Helper()
	h := New()
	m := h.NewMux(testSystem())
	m.Handle("POST /v2/customers/bulk-retrieve", "customers.bulk-retrieve", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			IDs []string `json:"customer_ids"`
		}
		_ = json.NewDecoder(r.Body).Decode(&in)
		Keys(r, len(in.IDs))
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"responses":{"a":{"customer":{"id":"a"}}}}`)
	})
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	return h, srv
}

func post(t *testing.T, url, body string) (*http.Response, []byte, error) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

func TestCountsCallsAndKeys(t *testing.T) {
	h, srv := newTestServer(t)
	var sent int64
	for _, body := range []string{`{"customer_ids":["a","b","c"]}`, `{"customer_ids":["a"]}`} {
		_, b, err := post(t, srv.URL+"/v2/customers/bulk-retrieve", body)
		if err != nil {
			t.Fatal(err)
		}
		sent += int64(len(b))
	}
	_, _, _ = post(t, srv.URL+"/v2/nothing", `{}`)
	st := h.Stats().Snapshot()["square"]
	got := st["customers.bulk-retrieve"]
	if got.Calls != 2 || got.Keys != 4 || got.MaxKeys != 3 {
		t.Fatalf("calls=%d keys=%d max=%d, want 2, 4, 3", got.Calls, got.Keys, got.MaxKeys)
	}
	if len(got.KeysPerCall) != 2 || got.KeysPerCall[0] != 3 || got.KeysPerCall[1] != 1 {
		t.Fatalf("keys per call %v, want [3 1]", got.KeysPerCall)
	}
	if got.Statuses[200] != 2 {
		t.Fatalf("statuses %v, want two 200s", got.Statuses)
	}
	if got.Bytes != sent || sent == 0 {
		t.Fatalf("bytes %d, want the %d bytes of the two answers", got.Bytes, sent)
	}
	if st["unmatched"].Calls != 1 {
		t.Fatalf("unmatched calls %d, want 1", st["unmatched"].Calls)
	}
	h.Stats().Reset()
	if n := h.Stats().Calls("square", "customers.bulk-retrieve"); n != 0 {
		t.Fatalf("after reset: %d calls", n)
	}
}

func TestFaults(t *testing.T) {
	h, srv := newTestServer(t)
	url := srv.URL + "/v2/customers/bulk-retrieve"
	body := `{"customer_ids":["a"]}`

	t.Run("429 storm", func(t *testing.T) {
		t.Cleanup(func() { h.Faults().Clear("") })
		if err := h.Faults().Add(Fault{System: "square", RateLimitRate: 1, RetryAfter: 7}); err != nil {
			t.Fatal(err)
		}
		resp, b, err := post(t, url, body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" || !strings.Contains(string(b), `"errors"`) {
			t.Fatalf("got %d Retry-After=%q body=%s", resp.StatusCode, resp.Header.Get("Retry-After"), b)
		}
	})
	t.Run("error on another endpoint only", func(t *testing.T) {
		t.Cleanup(func() { h.Faults().Clear("") })
		if err := h.Faults().Add(Fault{System: "square", Endpoint: "orders.search", ErrorRate: 1}); err != nil {
			t.Fatal(err)
		}
		resp, _, err := post(t, url, body)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("unfaulted endpoint: %v %v", resp, err)
		}
	})
	t.Run("error status", func(t *testing.T) {
		t.Cleanup(func() { h.Faults().Clear("") })
		_ = h.Faults().Add(Fault{System: "square", ErrorRate: 1, ErrorStatus: 503})
		resp, _, err := post(t, url, body)
		if err != nil || resp.StatusCode != 503 {
			t.Fatalf("got %v %v, want 503", resp, err)
		}
	})
	t.Run("malformed", func(t *testing.T) {
		t.Cleanup(func() { h.Faults().Clear("") })
		_ = h.Faults().Add(Fault{System: "square", MalformedRate: 1})
		_, b, err := post(t, url, body)
		if err != nil || json.Valid(b) {
			t.Fatalf("body %q is valid JSON or %v", b, err)
		}
	})
	t.Run("truncated", func(t *testing.T) {
		t.Cleanup(func() { h.Faults().Clear("") })
		_ = h.Faults().Add(Fault{System: "square", TruncatedRate: 1})
		_, b, err := post(t, url, body)
		if err != nil || json.Valid(b) || !strings.HasPrefix(`{"responses":{"a":{"customer":{"id":"a"}}}}`, string(b)) {
			t.Fatalf("body %q should be a cut valid body (%v)", b, err)
		}
	})
	t.Run("drop", func(t *testing.T) {
		t.Cleanup(func() { h.Faults().Clear("") })
		_ = h.Faults().Add(Fault{System: "square", DropRate: 1})
		if _, _, err := post(t, url, body); err == nil {
			t.Fatal("dropped connection gave no error")
		}
	})
	t.Run("hang until the client gives up", func(t *testing.T) {
		t.Cleanup(func() { h.Faults().Clear("") })
		_ = h.Faults().Add(Fault{System: "square", HangRate: 1})
		c := &http.Client{Timeout: 100 * time.Millisecond}
		_, err := c.Post(url, "application/json", strings.NewReader(body))
		var ne interface{ Timeout() bool }
		if err == nil || !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("want a client timeout, got %v", err)
		}
	})
	t.Run("latency", func(t *testing.T) {
		t.Cleanup(func() { h.Faults().Clear("") })
		_ = h.Faults().Add(Fault{System: "square", Latency: Duration(30 * time.Millisecond)})
		start := time.Now()
		if _, _, err := post(t, url, body); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 30*time.Millisecond {
			t.Fatalf("answered in %v, before the 30ms latency", d)
		}
	})
}

func TestRateLimit(t *testing.T) {
	h, srv := newTestServer(t)
	h.Limits().Set("square", 2)
	var statuses []int
	var bodies []string
	for i := 0; i < 5; i++ {
		resp, b, err := post(t, srv.URL+"/v2/customers/bulk-retrieve", `{"customer_ids":["a"]}`)
		if err != nil {
			t.Fatal(err)
		}
		statuses = append(statuses, resp.StatusCode)
		bodies = append(bodies, string(b))
		if resp.StatusCode == 429 && resp.Header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
	}
	if statuses[0] != 200 || statuses[4] != 429 {
		t.Fatalf("statuses %v: want the burst of 2 served and later calls refused", statuses)
	}
	var sent int64
	for _, b := range bodies {
		sent += int64(len(b))
	}
	if st := h.Stats().Snapshot()["square"]["customers.bulk-retrieve"]; st.Bytes != sent {
		t.Fatalf("bytes %d, want %d: every answer counts, refusals included (answers %q)", st.Bytes, sent, bodies)
	}
}

func TestParseFault(t *testing.T) {
	f, err := ParseFault("zendesk/tickets.requested:latency=20ms,jitter=5ms,error_rate=0.5,retry_after=3")
	if err != nil {
		t.Fatal(err)
	}
	want := Fault{System: "zendesk", Endpoint: "tickets.requested", Latency: Duration(20 * time.Millisecond), Jitter: Duration(5 * time.Millisecond), ErrorRate: 0.5, RetryAfter: 3}
	if f != want {
		t.Fatalf("got %+v want %+v", f, want)
	}
	for _, bad := range []string{"nosuch:latency=1ms", "square:error_rate=2", "square:latency=fast", "square:what=1", "square:latency"} {
		if _, err := ParseFault(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestControlHandler(t *testing.T) {
	h := New()
	srv := httptest.NewServer(h.ControlHandler(map[string]string{"token": "demo"}))
	defer srv.Close()

	resp, b, err := post(t, srv.URL+"/faults", `[{"system":"klaviyo","latency":"15ms"},{"system":"zendesk","error_rate":1}]`)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST /faults: %v %s", err, b)
	}
	if got := h.Faults().List(); len(got) != 2 || time.Duration(got[0].Latency) != 15*time.Millisecond {
		t.Fatalf("faults %+v", got)
	}
	resp, b, _ = post(t, srv.URL+"/faults", `{"system":"klaviyo","error_rate":3}`)
	if resp.StatusCode != 400 || !strings.Contains(string(b), "error_rate") {
		t.Fatalf("bad fault: %d %s", resp.StatusCode, b)
	}
	resp, b, _ = post(t, srv.URL+"/faults", `{"system":"klaviyo","latncy":"1ms"}`)
	if resp.StatusCode != 400 || !strings.Contains(string(b), "latncy") {
		t.Fatalf("unknown field: %d %s", resp.StatusCode, b)
	}
	req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/faults?system=zendesk", nil)
	if _, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	if got := h.Faults().List(); len(got) != 1 || got[0].System != "klaviyo" {
		t.Fatalf("after delete: %+v", got)
	}
	resp, b, _ = post(t, srv.URL+"/limits", `{"square":5}`)
	if resp.StatusCode != 204 || h.Limits().Get("square") != 5 {
		t.Fatalf("limits: %d %s", resp.StatusCode, b)
	}
	r, err := http.Get(srv.URL + "/credentials")
	if err != nil {
		t.Fatal(err)
	}
	var creds map[string]string
	_ = json.NewDecoder(r.Body).Decode(&creds)
	r.Body.Close()
	if creds["token"] != "demo" {
		t.Fatalf("credentials %v", creds)
	}
	resp, _, _ = post(t, srv.URL+"/stats/reset", ``)
	if resp.StatusCode != 204 {
		t.Fatalf("reset: %d", resp.StatusCode)
	}
}

// The trace adds up, per request id, the time some call was being
// answered: overlapping calls count once.
func TestTraceBusyTime(t *testing.T) {
	tr := &Trace{}
	t0 := time.Unix(0, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	tr.add("q", at(0), at(10))
	tr.add("q", at(20), at(25))
	tr.add("q", at(5), at(15))
	tr.add("other", at(0), at(100))
	if busy, n := tr.Busy("q"); busy != 20*time.Millisecond || n != 3 {
		t.Fatalf("busy %v over %d calls; want 20ms over 3", busy, n)
	}
	if busy, n := tr.Busy("none"); busy != 0 || n != 0 {
		t.Fatalf("unknown id: %v, %d", busy, n)
	}

	// Through the mux: only with a request id, only while on.
	h := New()
	m := h.NewMux(System{Name: "shop", WriteError: func(w http.ResponseWriter, r *http.Request, status int, msg string) {
		w.WriteHeader(status)
	}})
	m.Handle("GET /fast", "fast", func(w http.ResponseWriter, r *http.Request) {})
	srv := httptest.NewServer(m)
	defer srv.Close()
	get := func(id string) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/fast", nil)
		req.Header.Set("X-Request-Id", id)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	get("q1")
	if _, n := h.Trace().Busy("q1"); n != 0 {
		t.Fatalf("recorded %d calls while off", n)
	}
	h.Trace().Enable(true)
	start := time.Now()
	get("q1")
	get("q1")
	elapsed := time.Since(start)
	if busy, n := h.Trace().Busy("q1"); n != 2 || busy <= 0 || busy > elapsed {
		t.Fatalf("q1: %d calls busy %v; want 2 calls, busy within the %v they took", n, busy, elapsed)
	}
	// One call after the other: two rounds.
	if r := h.Trace().Rounds("q1"); r != 2 {
		t.Fatalf("q1: %d rounds; want the 2 calls made one after the other", r)
	}
	if r := h.Trace().Rounds("never"); r != 0 {
		t.Fatalf("a request with no calls: %d rounds", r)
	}
}

// The latency is when the answer arrives, the system's own work included:
// the handler runs as soon as the call arrives, its answer waits out the
// rest.
func TestLatencyIncludesTheSystemsWork(t *testing.T) {
	h := New()
	m := h.NewMux(testSystem())
	prepared := make(chan time.Time, 1)
	m.Handle("GET /v2/locations", "locations.list", func(w http.ResponseWriter, r *http.Request) {
		prepared <- time.Now()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"locations":[]}`)
	})
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	const latency = 400 * time.Millisecond
	if err := h.Faults().Add(Fault{System: "square", Latency: Duration(latency)}); err != nil {
		t.Fatal(err)
	}

	type answer struct {
		at     time.Time
		status int
		body   string
		err    error
	}
	answered := make(chan answer, 1)
	sent := time.Now()
	go func() {
		resp, err := http.Get(srv.URL + "/v2/locations")
		if err != nil {
			answered <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err == nil && resp.ContentLength != int64(len(b)) {
			err = fmt.Errorf("Content-Length %d for %d bytes", resp.ContentLength, len(b))
		}
		answered <- answer{time.Now(), resp.StatusCode, string(b), err}
	}()
	var ran time.Time
	select {
	case ran = <-prepared:
	case a := <-answered:
		t.Fatalf("answered (%v) before the handler ran", a.err)
	case <-time.After(10 * time.Second):
		t.Fatal("the handler did not run")
	}
	a := <-answered
	if a.err != nil {
		t.Fatal(a.err)
	}
	if a.status != http.StatusAccepted || a.body != `{"locations":[]}` {
		t.Fatalf("got %d %q, want the handler's status and body", a.status, a.body)
	}
	if !ran.Before(a.at.Add(-latency / 2)) {
		t.Fatalf("handler ran %v after the call was sent, answer came %v after: the work should come first", ran.Sub(sent), a.at.Sub(sent))
	}
	if d := a.at.Sub(sent); d < latency {
		t.Fatalf("answered in %v, before the %v latency", d, latency)
	}

	// A client that gives up during the wait gets no answer.
	c := &http.Client{Timeout: 50 * time.Millisecond}
	if resp, err := c.Get(srv.URL + "/v2/locations"); err == nil {
		resp.Body.Close()
		t.Fatalf("got %d, want a client timeout", resp.StatusCode)
	}
}
