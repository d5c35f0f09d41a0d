// Package auth authenticates the gateway's clients by the bearer tokens
// (JWTs) their identity provider issues, and authorizes every operation
// before any of its fields runs: a field of the schema marked
// @requiresScopes is answered only for a token that holds one of the scope
// sets it names, a field marked @authenticated for any valid token.
//
// A token is verified against the provider's public keys (a JWKS, from its
// URL or a file): its signature, issuer, audience and expiry. Its scopes come
// from a claim (`scope`, space-separated, as OAuth 2.0 access tokens carry
// them, or an array), the actor that identity changes record from another
// (by default `sub`), and the signed-in customer's id, for `me`, from a
// third.
package auth

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/hashicorp/golang-lru/v2/expirable"

	"github.com/omnigate/omnigate"
)

// Config is how tokens are verified and read.
type Config struct {
	// Issuer is the token's required `iss`.
	Issuer string
	// Audience must be one of the token's `aud`.
	Audience string
	// JWKSURL is where the provider publishes its keys; they are fetched
	// when a token names a key not fetched yet, so that the provider's key
	// rotation needs no restart, and every 15 minutes, so that a key it
	// withdraws is dropped; at most once in 10 s.
	JWKSURL string
	// JWKSFile holds the keys instead (a JWKS document), read once.
	JWKSFile string
	// Algorithms are the signing algorithms accepted; empty accepts RS256
	// and ES256. Symmetric ones (HS256) and "none" are never accepted.
	Algorithms []string
	// ScopeClaim holds the token's scopes; empty means "scope".
	ScopeClaim string
	// ActorClaim names who makes an identity change; empty means "sub".
	ActorClaim string
	// CustomerClaim holds the signed-in customer's id; empty means "sub".
	CustomerClaim string
	// HTTPClient fetches the JWKS; nil uses a client with a 10 s timeout.
	HTTPClient *http.Client
	// Now is the clock, for tests; nil uses time.Now.
	Now func() time.Time
}

// Principal is who a request comes from.
type Principal struct {
	// Anonymous is true for a request without a token.
	Anonymous bool
	// Subject is the token's `sub`.
	Subject string
	// Actor is what identity changes record as their actor.
	Actor string
	// Scopes are the token's scopes.
	Scopes []string
	// Customer is the signed-in customer's id, empty when the token has
	// none.
	Customer string
}

// Has reports whether the principal holds scope.
func (p *Principal) Has(scope string) bool { return slices.Contains(p.Scopes, scope) }

type principalKey struct{}

// With returns ctx carrying p.
func With(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// From returns the request's principal, or nil when the gateway runs
// without authentication.
func From(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// Error codes of authentication and authorization.
const (
	EUNAUTHENTICATED = "UNAUTHENTICATED" // no token, or one that is not valid
	EFORBIDDEN       = "FORBIDDEN"       // a valid token without the scopes a field needs
)

// DefaultAlgorithms are the signing algorithms accepted when Config names
// none.
var DefaultAlgorithms = []string{oidc.RS256, oidc.ES256}

// asymmetric are the algorithms a Config may name: a provider signs with
// its private key and the gateway holds only public ones.
var asymmetric = []string{oidc.RS256, oidc.RS384, oidc.RS512, oidc.ES256, oidc.ES384, oidc.ES512, oidc.PS256, oidc.PS384, oidc.PS512, oidc.EdDSA}

// Authenticator verifies bearer tokens.
type Authenticator struct {
	cfg      Config
	keys     oidc.KeySet
	verifier *oidc.IDTokenVerifier
	now      func() time.Time
	// verified keeps the principals of tokens verified in the last
	// verifiedFor, so that a client sending its token with every request
	// (a mobile app, a screen) has it verified about once a minute rather
	// than each time: an ES256 signature costs about 0.1 ms of CPU.
	verified *expirable.LRU[string, verified]
}

// Check reports whether tokens can be verified now: a JWKS file always
// can; keys from a URL are fetched when none are held yet (at most once in
// 10 s), and a fetch that failed last is reported even while the keys held
// before still verify tokens. /readyz shows it without making the gateway
// unready: tokens of the keys held still work.
func (a *Authenticator) Check(ctx context.Context) error {
	rk, ok := a.keys.(*remoteKeys)
	if !ok {
		return nil
	}
	if _, err := rk.get(ctx, ""); err != nil {
		return omnigate.Errorf(omnigate.EUNAVAILABLE, "%v", err)
	}
	rk.mu.Lock()
	defer rk.mu.Unlock()
	if rk.lastErr != nil {
		return omnigate.Errorf(omnigate.EUNAVAILABLE, "the identity provider's keys could not be fetched again (the keys held still verify tokens): %v", rk.lastErr)
	}
	return nil
}

type verified struct {
	p       *Principal
	expires time.Time // the token's exp
}

// verifiedFor bounds how long a verified token is taken on trust: a key the
// provider withdraws stops being accepted within it. verifiedTokens bounds
// the tokens kept.
const (
	verifiedFor    = time.Minute
	verifiedTokens = 10_000
)

// New returns an Authenticator for cfg. A JWKS file is read now; a JWKS URL
// is fetched when the first token arrives.
func New(ctx context.Context, cfg Config) (*Authenticator, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	algs := cfg.Algorithms
	if len(algs) == 0 {
		algs = DefaultAlgorithms
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	var keys oidc.KeySet
	if cfg.JWKSFile != "" {
		set, err := readKeys(cfg.JWKSFile)
		if err != nil {
			return nil, err
		}
		keys = set
	} else {
		hc := cfg.HTTPClient
		if hc == nil {
			hc = &http.Client{Timeout: 10 * time.Second}
		}
		rk := &remoteKeys{url: cfg.JWKSURL, hc: hc, now: now}
		for _, a := range algs {
			rk.algs = append(rk.algs, jose.SignatureAlgorithm(a))
		}
		keys = rk
	}
	v := oidc.NewVerifier(cfg.Issuer, keys, &oidc.Config{ClientID: cfg.Audience, SupportedSigningAlgs: algs, Now: now})
	return &Authenticator{cfg: cfg, keys: keys, verifier: v, now: now, verified: expirable.NewLRU[string, verified](verifiedTokens, nil, verifiedFor)}, nil
}

func (c *Config) check() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("auth: "+format, args...)) }
	if c.Issuer == "" {
		bad("issuer must be set")
	}
	if c.Audience == "" {
		bad("audience must be set")
	}
	if (c.JWKSURL == "") == (c.JWKSFile == "") {
		bad("set one of jwks_url and jwks_file")
	}
	for _, a := range c.Algorithms {
		if !slices.Contains(asymmetric, a) {
			bad("algorithm %q is not accepted (want some of %s)", a, strings.Join(asymmetric, ", "))
		}
	}
	if c.ScopeClaim == "" {
		c.ScopeClaim = "scope"
	}
	if c.ActorClaim == "" {
		c.ActorClaim = "sub"
	}
	if c.CustomerClaim == "" {
		c.CustomerClaim = "sub"
	}
	return errors.Join(errs...)
}

// readKeys reads a JWKS document's public keys.
func readKeys(path string) (*oidc.StaticKeySet, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("auth: jwks_file: %w", err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, fmt.Errorf("auth: jwks_file %s is not a JWKS document: %w", path, err)
	}
	var keys []crypto.PublicKey
	for i, k := range set.Keys {
		if !k.IsPublic() {
			return nil, fmt.Errorf("auth: jwks_file %s: key %d (kid %q) is a private key: give the gateway public keys only", path, i, k.KeyID)
		}
		keys = append(keys, k.Key)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("auth: jwks_file %s holds no keys", path)
	}
	return &oidc.StaticKeySet{PublicKeys: keys}, nil
}

// Authenticate verifies token and returns whom it names. A token that is not
// valid gets an error with code UNAUTHENTICATED that says why; when the
// provider's keys cannot be fetched, one with SOURCE_UNAVAILABLE.
func (a *Authenticator) Authenticate(ctx context.Context, token string) (*Principal, error) {
	if v, ok := a.verified.Get(token); ok && a.now().Before(v.expires) {
		return v.p, nil
	}
	unavailable := false
	t, err := a.verifier.Verify(context.WithValue(ctx, unavailableKey{}, &unavailable), token)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "oidc: ")
		if unavailable {
			return nil, omnigate.Errorf(omnigate.EUNAVAILABLE, "tokens cannot be verified now: %s", msg)
		}
		return nil, omnigate.Errorf(EUNAUTHENTICATED, "the bearer token is not valid: %s", msg)
	}
	var claims map[string]any
	if err := t.Claims(&claims); err != nil {
		return nil, omnigate.Errorf(EUNAUTHENTICATED, "the bearer token's claims cannot be read: %v", err)
	}
	p := &Principal{Subject: t.Subject}
	if p.Scopes, err = scopes(claims[a.cfg.ScopeClaim]); err != nil {
		return nil, omnigate.Errorf(EUNAUTHENTICATED, "the bearer token's %q claim %v", a.cfg.ScopeClaim, err)
	}
	if p.Actor, err = text(claims, a.cfg.ActorClaim); err != nil {
		return nil, omnigate.Errorf(EUNAUTHENTICATED, "the bearer token's %q claim %v", a.cfg.ActorClaim, err)
	}
	if p.Actor == "" {
		p.Actor = t.Subject
	}
	if p.Customer, err = text(claims, a.cfg.CustomerClaim); err != nil {
		return nil, omnigate.Errorf(EUNAUTHENTICATED, "the bearer token's %q claim %v", a.cfg.CustomerClaim, err)
	}
	a.verified.Add(token, verified{p: p, expires: t.Expiry})
	return p, nil
}

// scopes reads a scope claim: a space-separated string (RFC 8693, RFC 9068)
// or an array of strings (as some providers send `scp`).
func scopes(v any) ([]string, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		return strings.Fields(v), nil
	case []any:
		out := make([]string, 0, len(v))
		for _, s := range v {
			str, ok := s.(string)
			if !ok {
				return nil, fmt.Errorf("must be a string or an array of strings, got an array holding %T", s)
			}
			out = append(out, str)
		}
		return out, nil
	default:
		return nil, fmt.Errorf("must be a string or an array of strings, got %T", v)
	}
}

// text reads a claim that must be a string when present.
func text(claims map[string]any, name string) (string, error) {
	switch v := claims[name].(type) {
	case nil:
		return "", nil
	case string:
		return strings.TrimSpace(v), nil
	default:
		return "", fmt.Errorf("must be a string, got %T", v)
	}
}
