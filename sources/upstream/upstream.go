// Package upstream is the HTTP plumbing every connector shares: one call with a
// per-system timeout, retries of idempotent reads with exponential backoff and
// full jitter that honour Retry-After, and the mapping of every failure to an
// *omnigate.Error with a code and the system's name. Connectors supply only
// what is vendor-specific: authentication and how to read the vendor's error
// body.
package upstream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	sjson "github.com/segmentio/encoding/json"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"golang.org/x/sync/errgroup"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/metrics"
	"github.com/omnigate/omnigate/tracing"
)

// Client calls one system.
type Client struct {
	System  omnigate.System
	BaseURL string
	HTTP    *http.Client
	// Timeout bounds one logical call, retries included.
	Timeout time.Duration
	// Retries is how many times an idempotent call is tried again after a
	// 429, a 5xx, a dropped connection or a body that cannot be read.
	Retries int
	// BaseBackoff is the first backoff; it doubles per retry, with full
	// jitter, up to MaxBackoff. A Retry-After longer than the time left
	// ends the call instead of waiting.
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	// Authorize sets the request's credentials. It may fetch a token.
	Authorize func(ctx context.Context, req *http.Request) error
	// OnUnauthorized, when set, is called after a 401 so that a cached token
	// can be dropped; the call is then tried once more.
	OnUnauthorized func()
	// ErrorMessage extracts a short, client-safe message from a vendor error
	// body, for logs. It must not return credentials.
	ErrorMessage func(status int, body []byte) string
	// MaxBody bounds a response body; larger ones are an error.
	MaxBody int64
}

// Request is one call.
type Request struct {
	Method string
	// Path is appended to BaseURL, with its query string.
	Path   string
	Body   any // encoded as JSON when not nil
	Header http.Header
	// Idempotent reads may be retried. POST searches are idempotent too.
	Idempotent bool
}

// Do sends the request and decodes a 2xx JSON answer into out (when not nil).
// Every error it returns is an *omnigate.Error naming the system.
func (c *Client) Do(ctx context.Context, r Request, out any) (err error) {
	start := time.Now()
	var span trace.Span // nil unless the gateway is traced
	if tracing.On() {
		ctx, span = tracing.Tracer().Start(ctx, string(c.System)+" "+r.Method, trace.WithSpanKind(trace.SpanKindClient))
		path, _, _ := strings.Cut(r.Path, "?") // queries hold emails and phone numbers
		span.SetAttributes(attribute.String("omnigate.system", string(c.System)), attribute.String("http.request.method", r.Method), attribute.String("url.path", path))
	}
	defer func() {
		omnigate.RecordCall(ctx, c.System, r.Method, r.Path, start, err != nil)
		outcome := "ok"
		if err != nil {
			outcome = omnigate.ErrorCode(err)
		}
		if span != nil {
			if err != nil {
				span.SetStatus(codes.Error, outcome)
				span.SetAttributes(attribute.String("omnigate.error.code", outcome))
			}
			span.End()
		}
		metrics.Call(string(c.System), outcome, time.Since(start))
	}()
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	var payload []byte
	if r.Body != nil {
		var err error
		if payload, err = json.Marshal(r.Body); err != nil {
			return omnigate.SourceError(c.System, omnigate.EINTERNAL, "encoding request", err)
		}
	}
	attempts := 1
	if r.Idempotent {
		attempts += c.Retries
	}
	reauthorized := false
	unreadable := false // an earlier answer could not be decoded into out
	var last error
	// One buffer per call, reused across calls: answers are read whole
	// before decoding, and growing a fresh buffer for every answer was a
	// large share of the gateway's allocations. Nothing keeps a reference
	// to it: json.Unmarshal copies what it keeps, and error messages are
	// built before Do returns.
	buf := bufPool.Get().(*bytes.Buffer)
	defer putBuf(buf)
	for attempt := 0; attempt < attempts; attempt++ {
		body, status, header, err := c.once(ctx, r, payload, buf)
		switch {
		case err == nil && status >= 200 && status < 300:
			if out == nil {
				return nil
			}
			if v := reflect.ValueOf(out); unreadable && v.Kind() == reflect.Pointer && !v.IsNil() {
				// The failed decoding filled part of out, and decoding
				// merges into what is there: start the retry's from nothing.
				v.Elem().SetZero()
			}
			if err := Unmarshal(body, out); err != nil {
				last = omnigate.SourceError(c.System, omnigate.EBADRESPONSE, "the answer could not be read", err)
				unreadable = true
				continue
			}
			return nil
		case err != nil:
			last = c.transportError(ctx, err)
			if ctx.Err() != nil {
				return last
			}
		case status == http.StatusUnauthorized && c.OnUnauthorized != nil && !reauthorized:
			c.OnUnauthorized()
			reauthorized = true
			attempt-- // a fresh token is not a retry
			continue
		case status == http.StatusUnauthorized || status == http.StatusForbidden:
			return omnigate.SourceError(c.System, omnigate.EAUTH, "credentials were refused", c.statusErr(status, body))
		case status == http.StatusTooManyRequests:
			last = omnigate.SourceError(c.System, omnigate.ERATELIMITED, "rate limited", c.statusErr(status, body))
			if wait, ok := retryAfter(header); ok {
				// No wait when no attempt is left to follow it, or when it
				// would outlast the call.
				if attempt+1 >= attempts || !c.sleep(ctx, wait) {
					return last
				}
				continue
			}
		case status >= 500:
			last = omnigate.SourceError(c.System, omnigate.EUNAVAILABLE, "the system failed", c.statusErr(status, body))
		case status == http.StatusNotFound:
			return omnigate.SourceError(c.System, omnigate.ENOTFOUND, "not found", c.statusErr(status, body))
		default:
			return omnigate.SourceError(c.System, omnigate.EREJECTED, "the request was refused", c.statusErr(status, body))
		}
		if attempt+1 < attempts && !c.sleep(ctx, c.backoff(attempt)) {
			return last
		}
	}
	return last
}

// Unmarshal decodes a system's JSON answer into out, as encoding/json
// would (fields match without regard to case, unknown members are skipped,
// Unmarshaler and TextUnmarshaler methods are called), with
// github.com/segmentio/encoding/json, which decodes these answers two to
// four times as fast. Every call, the connectors' fuzz tests and their
// decode benchmarks use it, so that they decode alike. A decoder panic on a
// malformed answer is an error, not a crash. (github.com/goccy/go-json is
// faster still, but its strings point into the answer's bytes, so that any
// string kept keeps the whole answer alive: a 50-customer query's heap
// doubled.)
func Unmarshal(body []byte, out any) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("decoding the answer failed: %v", p)
		}
	}()
	return sjson.Unmarshal(body, out)
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putBuf returns a buffer to the pool unless an unusually large answer grew
// it: such buffers would otherwise be kept alive for every later call.
func putBuf(b *bytes.Buffer) {
	if b.Cap() > 1<<20 {
		return
	}
	b.Reset()
	bufPool.Put(b)
}

func (c *Client) once(ctx context.Context, r Request, payload []byte, buf *bytes.Buffer) ([]byte, int, http.Header, error) {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, c.BaseURL+r.Path, rd)
	if err != nil {
		return nil, 0, nil, err
	}
	for k, v := range r.Header {
		req.Header[k] = v
	}
	if payload != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if tracing.On() {
		// The trace this call belongs to.
		tracing.Propagator.Inject(ctx, propagation.HeaderCarrier(req.Header))
	}
	if id := omnigate.RequestID(ctx); id != "" {
		req.Header.Set(omnigate.RequestIDHeader, id)
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	if c.Authorize != nil {
		if err := c.Authorize(ctx, req); err != nil {
			return nil, 0, nil, err
		}
	}
	sent := time.Now()
	resp, err := c.send(req)
	if err != nil {
		omnigate.RecordWait(ctx, sent)
		return nil, 0, nil, err
	}
	defer resp.Body.Close()
	defer omnigate.RecordWait(ctx, sent)
	max := c.MaxBody
	if max <= 0 {
		max = 32 << 20
	}
	buf.Reset()
	if n := resp.ContentLength; n > 0 && n <= max {
		buf.Grow(int(n) + 1) // +1: ReadFrom wants room to see the end
	}
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, max+1)); err != nil {
		return nil, 0, nil, err
	}
	body := buf.Bytes()
	if int64(len(body)) > max {
		return nil, 0, nil, fmt.Errorf("answer larger than %d bytes", max)
	}
	return body, resp.StatusCode, resp.Header, nil
}

// send sends the request through the client's transport. A client with a
// cookie jar, a timeout or a redirect policy of its own goes through
// http.Client.Do; a plain one (the gateway's) goes to its transport
// directly, as a reverse proxy does: Do copies every request's headers for
// redirects it might follow, about 1% of the gateway's CPU per customer 360,
// and the systems' APIs answer without redirects. A redirect is then an
// answer like any other status, which the caller reports.
func (c *Client) send(req *http.Request) (*http.Response, error) {
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	if hc.Jar != nil || hc.Timeout != 0 || hc.CheckRedirect != nil {
		return hc.Do(req)
	}
	rt := hc.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	return rt.RoundTrip(req)
}

func (c *Client) transportError(ctx context.Context, err error) error {
	var oe *omnigate.Error
	if errors.As(err, &oe) {
		return err
	}
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
		return omnigate.SourceError(c.System, omnigate.ETIMEOUT, "no answer in time", err)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return omnigate.SourceError(c.System, omnigate.ETIMEOUT, "no answer in time", err)
	}
	return omnigate.SourceError(c.System, omnigate.EUNAVAILABLE, "the system could not be reached", err)
}

func (c *Client) statusErr(status int, body []byte) error {
	msg := ""
	if c.ErrorMessage != nil {
		msg = c.ErrorMessage(status, body)
	}
	return &StatusError{Status: status, Message: msg}
}

// StatusError is a non-2xx answer, for logs and for connectors that need the
// status.
type StatusError struct {
	Status  int
	Message string
}

func (e *StatusError) Error() string {
	if e.Message == "" {
		return "HTTP " + strconv.Itoa(e.Status)
	}
	return "HTTP " + strconv.Itoa(e.Status) + ": " + e.Message
}

func (c *Client) backoff(attempt int) time.Duration {
	base, max := c.BaseBackoff, c.MaxBackoff
	if base <= 0 {
		base = 25 * time.Millisecond
	}
	if max <= 0 {
		max = time.Second
	}
	d := base << attempt
	if d > max || d <= 0 {
		d = max
	}
	return time.Duration(rand.Int64N(int64(d) + 1))
}

// sleep waits d unless the context ends first, or unless d would outlast the
// context's deadline; it reports whether the wait completed.
func (c *Client) sleep(ctx context.Context, d time.Duration) bool {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func retryAfter(h http.Header) (time.Duration, bool) {
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

// Each runs fn(ctx, i) for every i from 0 to n-1, at most limit at once (no
// bound when limit < 1), and returns the first error; once one fails, the
// ctx the others were given is canceled. With n == 1, fn runs on the
// caller's goroutine: a customer 360 asks most endpoints for one customer,
// and a goroutine of its own would cost its start and the growth of a
// fresh stack.
func Each(ctx context.Context, limit, n int, fn func(ctx context.Context, i int) error) error {
	switch n {
	case 0:
		return nil
	case 1:
		return fn(ctx, 0)
	}
	g, gctx := NewGroup(ctx, limit)
	for i := range n {
		g.Go(func() error { return fn(gctx, i) })
	}
	return g.Wait()
}

// Group runs a connector's calls on goroutines of their own, as
// errgroup.Group does, and turns a panic in one into its error
// (omnigate.Recovering): a connector's bug on an answer it did not expect
// fails the fields that needed the call, not the process.
type Group struct{ g *errgroup.Group }

// NewGroup returns a Group running at most limit calls at once (no bound
// when limit < 1) and a ctx that is canceled once one of them fails.
func NewGroup(ctx context.Context, limit int) (*Group, context.Context) {
	g, gctx := errgroup.WithContext(ctx)
	if limit > 0 {
		g.SetLimit(limit)
	}
	return &Group{g}, gctx
}

// Go runs fn on a goroutine of its own, waiting first while limit are
// running.
func (g *Group) Go(fn func() error) { g.g.Go(func() error { return omnigate.Recovering(fn) }) }

// Wait waits for every call and returns the first error.
func (g *Group) Wait() error { return g.g.Wait() }
