package upstream

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/omnigate/omnigate"
)

func client(url string) *Client {
	return &Client{
		System: omnigate.Square, BaseURL: url, Timeout: 2 * time.Second, Retries: 2,
		BaseBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
		Authorize: func(ctx context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer secret-token")
			return nil
		},
		ErrorMessage: func(status int, body []byte) string { return "vendor said " + string(body) },
	}
}

func code(err error) string {
	var oe *omnigate.Error
	if errors.As(err, &oe) {
		return oe.Code + "/" + string(oe.Source)
	}
	return "not an *omnigate.Error"
}

func TestRetriesIdempotentReads(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer secret-token" {
			t.Errorf("no credentials sent")
		}
		switch calls.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		case 2:
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			_, _ = w.Write([]byte(`{"ok":true}`))
		}
	}))
	defer srv.Close()
	var out struct{ OK bool }
	if err := client(srv.URL).Do(context.Background(), Request{Method: "GET", Path: "/x", Idempotent: true}, &out); err != nil || !out.OK {
		t.Fatalf("got %v %+v after %d calls", err, out, calls.Load())
	}
	if calls.Load() != 3 {
		t.Fatalf("%d calls, want 3", calls.Load())
	}
}

// An answer that could not be read is retried, and the retry's answer is
// read into a clean value: nothing the failed decoding had filled in stays.
func TestRetryAfterAnUnreadableAnswerStartsClean(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			// next and the first item decode; the second item does not.
			_, _ = w.Write([]byte(`{"next":"x","items":[{"name":"stale","n":7,"tags":["a"]},{"name":2}]}`))
			return
		}
		_, _ = w.Write([]byte(`{"items":[{"name":"fresh"}]}`))
	}))
	defer srv.Close()
	type item struct {
		Name string   `json:"name"`
		N    int      `json:"n"`
		Tags []string `json:"tags"`
	}
	var out struct {
		Items []item `json:"items"`
		Next  string `json:"next"`
	}
	if err := client(srv.URL).Do(context.Background(), Request{Method: "GET", Path: "/x", Idempotent: true}, &out); err != nil {
		t.Fatalf("%v after %d calls", err, calls.Load())
	}
	if calls.Load() != 2 || len(out.Items) != 1 || out.Items[0].Name != "fresh" || out.Items[0].N != 0 || out.Items[0].Tags != nil || out.Next != "" {
		t.Fatalf("after %d calls: %+v; want only the second answer", calls.Load(), out)
	}
}

func TestWritesAreNotRetried(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer srv.Close()
	err := client(srv.URL).Do(context.Background(), Request{Method: "POST", Path: "/orders", Body: map[string]int{"a": 1}}, nil)
	if code(err) != omnigate.EUNAVAILABLE+"/square" || calls.Load() != 1 {
		t.Fatalf("err %v (%s), %d calls; want one call and SOURCE_UNAVAILABLE", err, code(err), calls.Load())
	}
}

func TestErrorMapping(t *testing.T) {
	cases := []struct {
		status int
		body   string
		want   string
	}{
		{401, `{"errors":[{"code":"UNAUTHORIZED"}]}`, omnigate.EAUTH},
		{403, `{}`, omnigate.EAUTH},
		{404, `{}`, omnigate.ENOTFOUND},
		{400, `{"errors":[{"code":"INVALID_VALUE"}]}`, omnigate.EREJECTED},
		{500, `{}`, omnigate.EUNAVAILABLE},
		{200, `<html>`, omnigate.EBADRESPONSE},
		{200, `{"cut`, omnigate.EBADRESPONSE},
	}
	for _, c := range cases {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(c.status)
			_, _ = w.Write([]byte(c.body))
		}))
		var out map[string]any
		err := client(srv.URL).Do(context.Background(), Request{Method: "GET", Path: "/x", Idempotent: true}, &out)
		srv.Close()
		if code(err) != c.want+"/square" {
			t.Errorf("%d %s: got %v (%s), want %s", c.status, c.body, err, code(err), c.want)
		}
		var oe *omnigate.Error
		if errors.As(err, &oe) && strings.Contains(oe.Message, "secret-token") {
			t.Errorf("message leaks the token: %q", oe.Message)
		}
	}
}

func TestTimeoutAndLongRetryAfter(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	c := client(hang.URL)
	c.Timeout = 50 * time.Millisecond
	if err := c.Do(context.Background(), Request{Method: "GET", Path: "/", Idempotent: true}, nil); code(err) != omnigate.ETIMEOUT+"/square" {
		t.Fatalf("hang: %v (%s)", err, code(err))
	}

	// A Retry-After longer than the time left ends the call at once.
	var calls atomic.Int32
	limited := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer limited.Close()
	c = client(limited.URL)
	c.Timeout = time.Second
	if err := c.Do(context.Background(), Request{Method: "GET", Path: "/", Idempotent: true}, nil); code(err) != omnigate.ERATELIMITED+"/square" || calls.Load() != 1 {
		t.Fatalf("429: %v (%s), %d calls", err, code(err), calls.Load())
	}
}

// A 429 that leaves no attempt to retry with (the last of a read's, or a
// write's only one) ends the call at once: waiting out its Retry-After would
// only delay the same error. The waits asked here are an hour, inside the
// call's timeout; a call that waited them would not end before the test's
// deadline.
func TestNoWaitAfterTheLastRateLimitedAttempt(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wait := "3600"
		if calls.Add(1) == 1 && r.Method == http.MethodGet {
			wait = "0" // the read's first answer: retried at once
		}
		w.Header().Set("Retry-After", wait)
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	for _, tc := range []struct {
		r     Request
		calls int32
	}{
		{Request{Method: http.MethodGet, Path: "/", Idempotent: true}, 2},
		{Request{Method: http.MethodPost, Path: "/", Body: map[string]int{"a": 1}}, 1},
	} {
		calls.Store(0)
		c := client(srv.URL)
		c.Retries = 1
		c.Timeout = 2 * time.Hour
		done := make(chan error, 1)
		go func() { done <- c.Do(t.Context(), tc.r, nil) }()
		select {
		case err := <-done:
			if code(err) != omnigate.ERATELIMITED+"/square" || calls.Load() != tc.calls {
				t.Errorf("%s: %v (%s), %d calls; want rate limited after %d", tc.r.Method, err, code(err), calls.Load(), tc.calls)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: still waiting after its last attempt's 429 (%d calls)", tc.r.Method, calls.Load())
		}
	}
}

func TestUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c := client(url)
	c.Retries = 0
	if err := c.Do(context.Background(), Request{Method: "GET", Path: "/", Idempotent: true}, nil); code(err) != omnigate.EUNAVAILABLE+"/square" {
		t.Fatalf("closed port: %v (%s)", err, code(err))
	}
}

// stamp is a member with its own text decoding, as vendor timestamps have.
type stamp struct{ t time.Time }

func (s *stamp) UnmarshalText(b []byte) error {
	t, err := time.Parse(time.RFC3339, string(b))
	s.t = t
	return err
}

// Unmarshal keeps encoding/json's rules, which the connectors' types rely
// on: fields match without regard to case, unknown members are skipped,
// TextUnmarshaler is called, and malformed answers are errors.
func TestUnmarshalKeepsEncodingJSONRules(t *testing.T) {
	var v struct {
		GivenName string `json:"given_name"`
		Count     int    `json:"count"`
		At        stamp  `json:"at"`
		Tags      []string
		Missing   *string `json:"missing"`
	}
	body := `{"GIVEN_NAME":"Amelia","count":3,"at":"2024-01-10T12:00:00Z","tags":["a","b"],"unknown":{"deep":[1,2,{"x":null}]}}`
	if err := Unmarshal([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	if v.GivenName != "Amelia" || v.Count != 3 || !v.At.t.Equal(time.Date(2024, 1, 10, 12, 0, 0, 0, time.UTC)) ||
		len(v.Tags) != 2 || v.Missing != nil {
		t.Fatalf("decoded %+v", v)
	}
	for _, bad := range []string{``, `{`, `{"count":"three"}`, `{"at":"yesterday"}`, `[1,2]`, `{"count":1}}`} {
		var w struct {
			Count int   `json:"count"`
			At    stamp `json:"at"`
		}
		if err := Unmarshal([]byte(bad), &w); err == nil {
			t.Errorf("%q decoded without an error", bad)
		}
	}
}

// Decoded strings are copies: a string that points into the answer's bytes
// (or into a copy the decoder made of them) would keep the whole answer
// alive for as long as it is kept, in a cache say.
func TestUnmarshalCopiesStrings(t *testing.T) {
	body := []byte(`{"id":"LOCATION-1","pad":"` + strings.Repeat("p", 4<<20) + `"}`)
	var v struct {
		ID string `json:"id"`
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if err := Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	for i := range body {
		body[i] = 'x'
	}
	if v.ID != "LOCATION-1" {
		t.Fatalf("the decoded string changed with the answer's bytes: %q", v.ID)
	}
	body = nil
	runtime.GC()
	runtime.ReadMemStats(&after)
	// The 4 MiB answer is garbage now, unless the kept string holds it.
	if freed := int64(before.HeapAlloc) - int64(after.HeapAlloc); freed < 2<<20 {
		t.Fatalf("%d bytes freed after dropping a 4 MiB answer: a kept string of 10 bytes holds it", freed)
	}
	runtime.KeepAlive(v.ID)
}

func TestEach(t *testing.T) {
	ctx := context.Background()
	if err := Each(ctx, 2, 0, func(context.Context, int) error { return errors.New("called") }); err != nil {
		t.Fatalf("no items: %v", err)
	}
	// One item runs on the caller's goroutine, with the caller's context.
	type key struct{}
	mine := context.WithValue(ctx, key{}, "caller")
	var got context.Context
	if err := Each(mine, 2, 1, func(ctx context.Context, i int) error { got = ctx; return nil }); err != nil || got != mine {
		t.Fatalf("one item: err %v, context %v, want the caller's", err, got)
	}
	// Many: every index once, never more than limit at once.
	var mu sync.Mutex
	seen := map[int]int{}
	running, most := 0, 0
	err := Each(ctx, 3, 20, func(_ context.Context, i int) error {
		mu.Lock()
		seen[i]++
		running++
		most = max(most, running)
		mu.Unlock()
		runtime.Gosched()
		mu.Lock()
		running--
		mu.Unlock()
		return nil
	})
	if err != nil || len(seen) != 20 || most > 3 {
		t.Fatalf("err %v, %d indexes run, %d at once (limit 3)", err, len(seen), most)
	}
	for i, n := range seen {
		if n != 1 {
			t.Fatalf("index %d ran %d times", i, n)
		}
	}
	// The first error is returned, and the others' context is canceled.
	boom := errors.New("boom")
	err = Each(ctx, 0, 2, func(ctx context.Context, i int) error {
		if i == 0 {
			return boom
		}
		<-ctx.Done()
		return ctx.Err()
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want the first error", err)
	}
	// A panic on a goroutine of Each's own is that item's error: an
	// internal one that keeps the panic for the logs. The process lives on.
	err = Each(ctx, 0, 2, func(ctx context.Context, i int) error {
		if i == 1 {
			var m map[string]int
			m["x"] = 1 // a connector's bug
		}
		return nil
	})
	if omnigate.ErrorCode(err) != omnigate.EINTERNAL || !strings.Contains(err.Error(), "assignment to entry in nil map") {
		t.Fatalf("a panicking item: %v; want an internal error naming the panic", err)
	}
}

// A plain client's call goes to the transport directly, so a redirect is
// an answer that names its status, and the credentials go nowhere else; a
// client with a redirect policy of its own still goes through Do.
func TestRedirectIsAnAnswer(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		_, _ = w.Write([]byte(`{}`))
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/moved", http.StatusFound)
	}))
	defer srv.Close()
	c := client(srv.URL)
	c.HTTP = &http.Client{}
	err := c.Do(context.Background(), Request{Method: "GET", Path: "/x", Idempotent: true}, nil)
	if code(err) != omnigate.EREJECTED+"/square" || !strings.Contains(err.Error(), "302") || elsewhere.Load() != 0 {
		t.Fatalf("redirect: %v (%s), %d calls followed it", err, code(err), elsewhere.Load())
	}
	c.HTTP = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
	if err := c.Do(context.Background(), Request{Method: "GET", Path: "/x", Idempotent: true}, nil); err != nil || elsewhere.Load() != 1 {
		t.Fatalf("client with a redirect policy: %v, %d calls followed it", err, elsewhere.Load())
	}
}
