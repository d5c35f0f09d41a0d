package omnigate

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

// RequestIDHeader carries a request's id: a client may send one, the
// gateway answers with it and passes it on to every call it makes to a
// channel system for that request, so that one request can be followed
// through the systems' logs.
const RequestIDHeader = "X-Request-Id"

type requestIDKey struct{}

// WithRequestID returns ctx carrying a request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id ctx carries, "" when none.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// ValidRequestID reports whether a client's request id can be passed on: 1
// to 128 printable ASCII characters without spaces.
func ValidRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return false
		}
	}
	return true
}

// NewRequestID returns a random request id.
func NewRequestID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

type clientAddrKey struct{}

// WithClientAddr returns ctx carrying the address (host) a request came
// from.
func WithClientAddr(ctx context.Context, host string) context.Context {
	return context.WithValue(ctx, clientAddrKey{}, host)
}

// ClientAddr returns the address a request came from, "" when unknown.
func ClientAddr(ctx context.Context) string {
	h, _ := ctx.Value(clientAddrKey{}).(string)
	return h
}
