package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// remoteKeys is the identity provider's JWKS, fetched from its URL. It is
// fetched again when a token names a key it does not hold (the provider
// rotated its keys) and every keysRefresh (so that a key the provider
// withdrew stops being accepted), but at most once every keysRetry: a
// client sending tokens with made-up key ids must not make the gateway
// fetch the keys for each of them. go-oidc's RemoteKeySet fetches for every
// such token.
type remoteKeys struct {
	url  string
	hc   *http.Client
	algs []jose.SignatureAlgorithm
	now  func() time.Time

	mu       sync.Mutex
	keys     []jose.JSONWebKey
	fetched  time.Time     // the last fetch that succeeded
	tried    time.Time     // the last fetch started
	lastErr  error         // why the last fetch failed, nil when it did not
	fetching chan struct{} // closed when the fetch under way ends
}

const (
	keysRefresh = 15 * time.Minute
	keysRetry   = 10 * time.Second
	keysMaxBody = 1 << 20
)

// unavailableKey marks, in a verification's context, that the provider's
// keys could not be had: the request is then refused as unavailable, not
// as unauthenticated.
type unavailableKey struct{}

func (k *remoteKeys) VerifySignature(ctx context.Context, token string) ([]byte, error) {
	jws, err := jose.ParseSigned(token, k.algs)
	if err != nil {
		return nil, fmt.Errorf("malformed token: %v", err)
	}
	kid := jws.Signatures[0].Header.KeyID
	keys, err := k.get(ctx, kid)
	if err != nil {
		if flag, ok := ctx.Value(unavailableKey{}).(*bool); ok {
			*flag = true
		}
		return nil, err
	}
	for i := range keys {
		if kid == "" || keys[i].KeyID == kid {
			if payload, err := jws.Verify(&keys[i]); err == nil {
				return payload, nil
			}
		}
	}
	if kid != "" && !holds(keys, kid) {
		return nil, fmt.Errorf("the identity provider has no key %q", kid)
	}
	return nil, errors.New("the signature was not made by the identity provider's keys")
}

func holds(keys []jose.JSONWebKey, kid string) bool {
	for _, k := range keys {
		if k.KeyID == kid {
			return true
		}
	}
	return false
}

// get returns the keys, fetching them first when they are due, or when kid
// is not among them, unless a fetch started within keysRetry. A caller
// whose key is missing waits for a fetch under way; the others go on with
// the keys held.
func (k *remoteKeys) get(ctx context.Context, kid string) ([]jose.JSONWebKey, error) {
	k.mu.Lock()
	now := k.now()
	missing := len(k.keys) == 0 || (kid != "" && !holds(k.keys, kid))
	due := missing || now.Sub(k.fetched) >= keysRefresh
	switch {
	case k.fetching != nil && missing:
		wait := k.fetching
		k.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	case due && now.Sub(k.tried) >= keysRetry:
		done := make(chan struct{})
		k.fetching, k.tried = done, now
		k.mu.Unlock()
		keys, err := k.fetch()
		k.mu.Lock()
		if err == nil {
			k.keys, k.fetched = keys, k.now()
		}
		k.lastErr, k.fetching = err, nil
		close(done)
		k.mu.Unlock()
	default:
		k.mu.Unlock()
	}
	k.mu.Lock()
	keys, err := k.keys, k.lastErr
	k.mu.Unlock()
	if len(keys) == 0 {
		return nil, fmt.Errorf("the identity provider's keys could not be fetched: %v", err)
	}
	return keys, nil
}

// fetch reads the JWKS. Keys the gateway cannot use (another type, an
// encryption key) are left out; a set with no usable key is an error.
func (k *remoteKeys) fetch() ([]jose.JSONWebKey, error) {
	req, err := http.NewRequest(http.MethodGet, k.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := k.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, keysMaxBody))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s", k.url, resp.Status)
	}
	var raw struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("%s is not a JWKS document: %v", k.url, err)
	}
	var keys []jose.JSONWebKey
	for _, r := range raw.Keys {
		var key jose.JSONWebKey
		if err := key.UnmarshalJSON(r); err != nil || !key.IsPublic() || key.Use == "enc" {
			continue
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s holds no public signing key", k.url)
	}
	return keys, nil
}
