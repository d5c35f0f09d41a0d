package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/omnigate/omnigate/graph"
)

// TestRequestTimeoutBoundsTheBody: request_timeout bounds one GraphQL
// request, from its headers on; a client that sends half a body and stops
// (a phone on a dead network, or a slowloris) gets an answer, or its
// connection closed, by then, instead of holding a goroutine and its
// buffer for as long as the connection stays up.
func TestRequestTimeoutBoundsTheBody(t *testing.T) {
	srv := httptest.NewServer(New(Options{
		Schema:         graph.NewExecutableSchema(graph.Config{}),
		RequestTimeout: 200 * time.Millisecond,
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
	}))
	defer srv.Close()
	pr, pw := io.Pipe()
	defer pw.Close()
	go func() { _, _ = pw.Write([]byte(`{"query":`)) }()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", pr)
	req.Header.Set("Content-Type", "application/json")
	done := make(chan string, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		done <- resp.Status + " " + string(b)
	}()
	select {
	case got := <-done:
		if strings.Contains(got, `"data"`) && !strings.Contains(got, "errors") {
			t.Fatalf("a request with half a body answered %s", got)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("a request whose body stopped halfway still held after 3s; request_timeout is 200ms")
	}
}
