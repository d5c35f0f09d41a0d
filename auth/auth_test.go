package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/omnigate/omnigate"
)

func writeJWKS(t testing.TB, keys ...jose.JSONWebKey) string {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func sign(t testing.TB, key *ecdsa.PrivateKey, claims map[string]any) string {
	return signWith(t, key, "", claims)
}

// signWith signs claims with key, naming kid in the header when not empty.
func signWith(t testing.TB, key *ecdsa.PrivateKey, kid string, claims map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jwt.Signed(sig).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func fileAuthenticator(t testing.TB) (*Authenticator, *ecdsa.PrivateKey) {
	return fileAuthenticatorAt(t, nil)
}

func fileAuthenticatorAt(t testing.TB, now func() time.Time) (*Authenticator, *ecdsa.PrivateKey) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	path := writeJWKS(t, jose.JSONWebKey{Key: &key.PublicKey, KeyID: "f1", Algorithm: "ES256", Use: "sig"})
	a, err := New(context.Background(), Config{Issuer: "https://id.example/", Audience: "omnigate", JWKSFile: path, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return a, key
}

// Keys can come from a file; the claims give the principal's scopes
// (a string or an array), actor and customer.
func TestKeysFromAFile(t *testing.T) {
	a, key := fileAuthenticator(t)
	exp := time.Now().Add(time.Hour).Unix()
	p, err := a.Authenticate(context.Background(), sign(t, key, map[string]any{
		"iss": "https://id.example/", "aud": []string{"omnigate", "other"}, "exp": exp, "sub": "u1", "scope": " customers:read  identity:write ",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if p.Anonymous || p.Subject != "u1" || p.Actor != "u1" || p.Customer != "u1" || !p.Has("customers:read") || !p.Has("identity:write") || len(p.Scopes) != 2 {
		t.Fatalf("principal %+v", p)
	}
	p, err = a.Authenticate(context.Background(), sign(t, key, map[string]any{
		"iss": "https://id.example/", "aud": "omnigate", "exp": exp, "sub": "u2", "scope": []string{"identity:erase"},
	}))
	if err != nil || !p.Has("identity:erase") || p.Has("customers:read") {
		t.Fatalf("scopes as an array: %+v, %v", p, err)
	}
	_, err = a.Authenticate(context.Background(), sign(t, key, map[string]any{
		"iss": "https://id.example/", "aud": "omnigate", "exp": exp, "sub": "u3", "scope": []any{"a", 1},
	}))
	if err == nil || !strings.Contains(err.Error(), `"scope" claim must be a string or an array of strings`) {
		t.Fatalf("a scope array holding a number: %v", err)
	}
}

// Settings that cannot work are refused at start, each named.
func TestBadSettingsAreRefused(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	private := writeJWKS(t, jose.JSONWebKey{Key: key, KeyID: "p1", Algorithm: "ES256"})
	empty := writeJWKS(t)
	notJSON := filepath.Join(t.TempDir(), "keys.pem")
	_ = os.WriteFile(notJSON, []byte("-----BEGIN PUBLIC KEY-----"), 0o600)
	for name, c := range map[string]struct {
		cfg  Config
		says string
	}{
		"no issuer":     {Config{Audience: "a", JWKSFile: empty}, "issuer must be set"},
		"no audience":   {Config{Issuer: "i", JWKSFile: empty}, "audience must be set"},
		"no keys":       {Config{Issuer: "i", Audience: "a"}, "set one of jwks_url and jwks_file"},
		"both keys":     {Config{Issuer: "i", Audience: "a", JWKSFile: empty, JWKSURL: "https://id.example/jwks"}, "set one of jwks_url and jwks_file"},
		"symmetric":     {Config{Issuer: "i", Audience: "a", JWKSFile: empty, Algorithms: []string{"HS256"}}, `algorithm "HS256" is not accepted`},
		"private key":   {Config{Issuer: "i", Audience: "a", JWKSFile: private}, "is a private key"},
		"empty key set": {Config{Issuer: "i", Audience: "a", JWKSFile: empty}, "holds no keys"},
		"not a JWKS":    {Config{Issuer: "i", Audience: "a", JWKSFile: notJSON}, "is not a JWKS document"},
		"missing file":  {Config{Issuer: "i", Audience: "a", JWKSFile: filepath.Join(t.TempDir(), "none.json")}, "jwks_file"},
	} {
		if _, err := New(context.Background(), c.cfg); err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v, want an error saying %q", name, err, c.says)
		}
	}
}

// A token verified once is taken on trust for a while, but never past its
// own expiry.
func TestVerifiedTokensExpire(t *testing.T) {
	clock := time.Now()
	a, key := fileAuthenticatorAt(t, func() time.Time { return clock })
	token := sign(t, key, map[string]any{"iss": "https://id.example/", "aud": "omnigate", "exp": clock.Add(30 * time.Second).Unix(), "sub": "u1"})
	first, err := a.Authenticate(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := a.Authenticate(context.Background(), token); err != nil || again != first {
		t.Fatalf("the same token again: %v, %v; want the principal verified before", again, err)
	}
	clock = clock.Add(31 * time.Second)
	if _, err := a.Authenticate(context.Background(), token); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("a verified token past its expiry: %v", err)
	}
}

func TestQuote(t *testing.T) {
	if got := quote("a \"b\" \\ c\n\u00e9"); got != `"a \"b\" \\ c  "` {
		t.Fatalf("quote: %s", got)
	}
}

// BenchmarkAuthenticate is what a request with a token pays: verifying an
// ES256 token the first time, and finding it verified after.
func BenchmarkAuthenticate(b *testing.B) {
	a, key := fileAuthenticator(b)
	token := sign(b, key, map[string]any{"iss": "https://id.example/", "aud": "omnigate", "exp": time.Now().Add(time.Hour).Unix(), "sub": "u1", "scope": "customers:read"})
	b.Run("first", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			a.verified.Purge()
			if _, err := a.Authenticate(context.Background(), token); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("verified", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := a.Authenticate(context.Background(), token); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// jwksServer publishes keys over HTTP on loopback and counts its fetches.
type jwksServer struct {
	*httptest.Server
	mu      sync.Mutex
	keys    []jose.JSONWebKey
	fetches int
	down    bool
}

func newJWKSServer(t *testing.T) *jwksServer {
	s := &jwksServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.fetches++
		if s.down {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: s.keys})
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) publish(kid string, key *ecdsa.PrivateKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, jose.JSONWebKey{Key: &key.PublicKey, KeyID: kid, Algorithm: "ES256", Use: "sig"})
}

func (s *jwksServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetches
}

func signKid(t testing.TB, key *ecdsa.PrivateKey, kid string, exp time.Time) string {
	return signWith(t, key, kid, map[string]any{"iss": "https://id.example/", "aud": "omnigate", "exp": exp.Unix(), "sub": "u"})
}

// The provider's keys are fetched when a token names a key not held yet
// (rotation) and when they are old, but never more than once in keysRetry,
// however many made-up key ids clients send; while they cannot be fetched,
// tokens are refused as unavailable, not as invalid.
func TestKeysFromTheProvider(t *testing.T) {
	jwks := newJWKSServer(t)
	k1, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	jwks.publish("k1", k1)
	clock := time.Now()
	a, err := New(context.Background(), Config{Issuer: "https://id.example/", Audience: "omnigate", JWKSURL: jwks.URL, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	exp := clock.Add(2 * time.Hour)
	if _, err := a.Authenticate(ctx, signKid(t, k1, "k1", exp)); err != nil {
		t.Fatal(err)
	}
	if err := a.Check(ctx); err != nil {
		t.Fatalf("readiness with the keys fetched: %v", err)
	}
	if n := jwks.count(); n != 1 {
		t.Fatalf("%d fetches for the first token, want 1", n)
	}

	// Made-up key ids within keysRetry of the last fetch: none.
	stranger, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for i := range 50 {
		_, err := a.Authenticate(ctx, signKid(t, stranger, fmt.Sprintf("made-up-%d", i), exp))
		if err == nil || omnigate.ErrorCode(err) != EUNAUTHENTICATED || !strings.Contains(err.Error(), "has no key") {
			t.Fatalf("a token of an unknown key: %v", err)
		}
	}
	if n := jwks.count(); n != 1 {
		t.Fatalf("%d fetches after 50 tokens of made-up keys, want still 1", n)
	}

	// A key the provider starts using is fetched once keysRetry has passed.
	k2, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	jwks.publish("k2", k2)
	rotated := signKid(t, k2, "k2", exp)
	clock = clock.Add(keysRetry)
	if _, err := a.Authenticate(ctx, rotated); err != nil {
		t.Fatalf("a token of a newly published key: %v", err)
	}
	if n := jwks.count(); n != 2 {
		t.Fatalf("%d fetches, want 2", n)
	}
	for i := range 50 {
		_, _ = a.Authenticate(ctx, signKid(t, stranger, fmt.Sprintf("made-up-again-%d", i), exp))
	}
	if n := jwks.count(); n != 2 {
		t.Fatalf("%d fetches after 50 more made-up keys, want still 2", n)
	}

	// Keys are fetched again when old; while the provider is down, tokens
	// of the keys held still verify, a key withdrawn is dropped only once
	// a fetch succeeds, and with no keys at all tokens are unavailable.
	jwks.mu.Lock()
	jwks.down = true
	jwks.mu.Unlock()
	clock = clock.Add(keysRefresh)
	if _, err := a.Authenticate(ctx, signKid(t, k1, "k1", exp)); err != nil {
		t.Fatalf("a known key while the provider is down: %v", err)
	}
	if n := jwks.count(); n != 3 {
		t.Fatalf("%d fetches, want 3 (keys older than keysRefresh)", n)
	}
	if err := a.Check(ctx); err == nil || !strings.Contains(err.Error(), "could not be fetched again") {
		t.Fatalf("readiness while the provider is down, with keys held: %v", err)
	}
	down, err := New(context.Background(), Config{Issuer: "https://id.example/", Audience: "omnigate", JWKSURL: jwks.URL, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	if err := down.Check(ctx); omnigate.ErrorCode(err) != omnigate.EUNAVAILABLE {
		t.Fatalf("readiness with no keys and the provider down: %v", err)
	}
	clock = clock.Add(keysRetry)
	_, err = down.Authenticate(ctx, signKid(t, k1, "k1", exp))
	if omnigate.ErrorCode(err) != omnigate.EUNAVAILABLE || !strings.Contains(err.Error(), "502 Bad Gateway") {
		t.Fatalf("no keys and the provider down: %v", err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
	req.Header.Set("Authorization", "Bearer "+signKid(t, k1, "k1", exp.Add(time.Second)))
	down.Middleware(http.NotFoundHandler()).ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" || rec.Header().Get("WWW-Authenticate") != "" {
		t.Fatalf("middleware with the provider down: %d %v", rec.Code, rec.Header())
	}
	jwks.mu.Lock()
	jwks.down, jwks.keys = false, jwks.keys[1:] // k1 withdrawn
	jwks.mu.Unlock()
	clock = clock.Add(keysRefresh)
	if _, err := a.Authenticate(ctx, signKid(t, k1, "k1", exp.Add(2*time.Second))); err == nil {
		t.Fatal("a token of a withdrawn key was accepted after the keys were fetched again")
	}
}

// Requests arriving together before the keys are held wait for one fetch.
func TestOneFetchForRequestsTogether(t *testing.T) {
	jwks := newJWKSServer(t)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	jwks.publish("k1", key)
	a, err := New(context.Background(), Config{Issuer: "https://id.example/", Audience: "omnigate", JWKSURL: jwks.URL})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		token := signKid(t, key, "k1", time.Now().Add(time.Hour+time.Duration(i)*time.Second))
		wg.Go(func() {
			if _, err := a.Authenticate(context.Background(), token); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := jwks.count(); n != 1 {
		t.Fatalf("%d fetches for 20 requests arriving together, want 1", n)
	}
}
