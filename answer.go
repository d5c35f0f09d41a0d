package omnigate

import (
	"context"
	"net/http"
	"sync"
)

// Answer is where code deep in a request (an extension refusing it before
// any field runs) asks for the HTTP status of its answer, and headers to go
// with it: the GraphQL transports answer 200 to every operation they run,
// which tells a client or a proxy nothing of a refusal for authentication
// (401) or for sending too much (429).
type Answer struct {
	mu     sync.Mutex
	status int
	header http.Header
}

type answerKey struct{}

// WithAnswer returns ctx carrying a fresh Answer.
func WithAnswer(ctx context.Context) (context.Context, *Answer) {
	a := &Answer{}
	return context.WithValue(ctx, answerKey{}, a), a
}

// SetAnswer asks for status and the headers given as name, value pairs,
// when ctx carries an Answer; the first call wins.
func SetAnswer(ctx context.Context, status int, header ...string) {
	a, _ := ctx.Value(answerKey{}).(*Answer)
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.status != 0 {
		return
	}
	a.status, a.header = status, http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		a.header.Set(header[i], header[i+1])
	}
}

// Status is the status asked for, or status when none was; the headers
// asked for are added to h.
func (a *Answer) Status(status int, h http.Header) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.status == 0 {
		return status
	}
	for k, v := range a.header {
		h[k] = v
	}
	return a.status
}
