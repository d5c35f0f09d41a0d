package commercetools

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/omnigate/omnigate"
	ct "github.com/omnigate/omnigate/apis/commercetools"
	"github.com/omnigate/omnigate/sources/upstream"
)

// tokenSource holds the access token of the client credentials flow. One
// token serves every call until shortly before it expires; concurrent
// callers that find none share one token request.
type tokenSource struct {
	auth  *upstream.Client
	scope string
	group singleflight.Group
	now   func() time.Time

	mu        sync.Mutex
	tok       string
	refreshAt time.Time
	// refused remembers, for a few seconds, that the auth service refused
	// our credentials: the retries of the calls waiting for a token then
	// fail at once instead of asking again with the same credentials.
	refused      error
	refusedUntil time.Time
}

// refusedFor is how long a refusal of the credentials is remembered.
const refusedFor = 5 * time.Second

func newTokenSource(auth *upstream.Client, scope string) *tokenSource {
	return &tokenSource{auth: auth, scope: scope, now: time.Now}
}

// refreshMargin is how long before its expiry a token is replaced: a tenth
// of its lifetime, at most five minutes, so that a call never starts with a
// token about to lapse.
func refreshMargin(lifetime time.Duration) time.Duration {
	return min(lifetime/10, 5*time.Minute)
}

func (ts *tokenSource) token(ctx context.Context) (string, error) {
	ts.mu.Lock()
	if ts.tok != "" && ts.now().Before(ts.refreshAt) {
		tok := ts.tok
		ts.mu.Unlock()
		return tok, nil
	}
	if ts.refused != nil && ts.now().Before(ts.refusedUntil) {
		err := ts.refused
		ts.mu.Unlock()
		return "", err
	}
	ts.mu.Unlock()
	// The request runs apart from the first caller's context, so that one
	// caller giving up does not fail the others waiting for the same token.
	ch := ts.group.DoChan("token", func() (any, error) {
		return omnigate.RecoveringValue(func() (string, error) { return ts.fetch(context.WithoutCancel(ctx)) })
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err
		}
		return r.Val.(string), nil
	case <-ctx.Done():
		return "", omnigate.SourceError(omnigate.Commercetools, omnigate.ETIMEOUT, "no token in time", ctx.Err())
	}
}

func (ts *tokenSource) fetch(ctx context.Context) (string, error) {
	q := url.Values{"grant_type": {"client_credentials"}}
	if ts.scope != "" {
		q.Set("scope", ts.scope)
	}
	var resp ct.TokenResponse
	err := ts.auth.Do(ctx, upstream.Request{
		Method: http.MethodPost, Path: "/oauth/token?" + q.Encode(), Idempotent: true,
		Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
	}, &resp)
	if omnigate.ErrorCode(err) == omnigate.EAUTH {
		ts.mu.Lock()
		ts.refused, ts.refusedUntil = err, ts.now().Add(refusedFor)
		ts.mu.Unlock()
	}
	if err != nil {
		return "", err
	}
	if resp.AccessToken == "" || !strings.EqualFold(resp.TokenType, "Bearer") {
		return "", omnigate.SourceError(omnigate.Commercetools, omnigate.EBADRESPONSE, "the auth service answered without a bearer token", nil)
	}
	lifetime := time.Duration(resp.ExpiresIn) * time.Second
	if lifetime <= 0 {
		lifetime = time.Minute
	}
	ts.mu.Lock()
	ts.tok = resp.AccessToken
	ts.refreshAt = ts.now().Add(lifetime - refreshMargin(lifetime))
	ts.mu.Unlock()
	return resp.AccessToken, nil
}

// drop forgets tok if it is still the cached token: the API refused it.
// A newer token, fetched while a call with the old one was on its way, is
// kept.
func (ts *tokenSource) drop(tok string) {
	ts.mu.Lock()
	if ts.tok == tok {
		ts.tok = ""
	}
	ts.mu.Unlock()
}

// refusedTokenTransport drops the token of a request the API answers with
// 401, before the upstream client sees the answer and asks for another.
type refusedTokenTransport struct {
	base   http.RoundTripper
	tokens *tokenSource
}

func (t *refusedTokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusUnauthorized {
		if tok, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer "); ok {
			t.tokens.drop(tok)
		}
	}
	return resp, err
}
