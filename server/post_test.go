package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/graph"
)

// TestPostAnswersAsGqlgenDoes sends the same requests to gqlgen's POST
// transport and to post, over the gateway's schema with no resolvers (a
// field that needs one panics, which the recover function turns into an
// error): status, content type and answer must be the same, and post's
// answer carries its length.
func TestPostAnswersAsGqlgenDoes(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{})
	serve := func(tr graphql.Transport) *handler.Server {
		h := handler.New(schema)
		h.AddTransport(tr)
		h.SetErrorPresenter(ErrorPresenter(slog.New(slog.NewTextHandler(io.Discard, nil))))
		h.SetRecoverFunc(func(ctx context.Context, p any) error {
			return omnigate.Errorf(omnigate.EINTERNAL, "internal error")
		})
		return h
	}
	gqlgen, ours := serve(transport.POST{}), serve(post{})
	bodies := []string{
		`{"query":"{ __typename }"}`,
		`{"query":"{ a: __typename b: __typename }"}`,
		`{"query":"{ __schema { queryType { name } mutationType { name } } }"}`,
		`{"query":"query Q($id: ID!) { __typename }","variables":{"id":"x"},"operationName":"Q"}`,
		`{"query":"{ customer(id: \"1\") { id } }"}`,
		`{"query":"{ nope }"}`,
		`{"query":"{"}`,
		`{"query":"query Q($id: ID!) { __typename }"}`,
		`{"query":"{ __typename }", "variables": 3}`,
		`not json`,
		``,
	}
	accepts := []string{"", "application/json", "application/graphql-response+json", "*/*", "text/html", "application/graphql-response+json, application/json;q=0.9"}
	for _, body := range bodies {
		for _, accept := range accepts {
			ask := func(h http.Handler) *http.Response {
				req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				if accept != "" {
					req.Header.Set("Accept", accept)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				return rec.Result()
			}
			want, got := ask(gqlgen), ask(ours)
			name := body + " accepting " + accept
			if got.StatusCode != want.StatusCode {
				t.Errorf("%s: status %d, gqlgen %d", name, got.StatusCode, want.StatusCode)
			}
			if g, w := got.Header.Get("Content-Type"), want.Header.Get("Content-Type"); g != w {
				t.Errorf("%s: content type %q, gqlgen %q", name, g, w)
			}
			wantBody, _ := io.ReadAll(want.Body)
			gotBody, _ := io.ReadAll(got.Body)
			var wv, gv any
			if err := json.Unmarshal(wantBody, &wv); err != nil {
				t.Fatalf("%s: gqlgen answered no JSON: %s", name, wantBody)
			}
			if err := json.Unmarshal(gotBody, &gv); err != nil {
				t.Fatalf("%s: post answered no JSON: %s", name, gotBody)
			}
			if !reflect.DeepEqual(gv, wv) {
				t.Errorf("%s: answered\n  %s\ngqlgen\n  %s", name, gotBody, wantBody)
			}
			if n := got.Header.Get("Content-Length"); n != strconv.Itoa(len(gotBody)) {
				t.Errorf("%s: Content-Length %q for %d bytes", name, n, len(gotBody))
			}
		}
	}
}

// With the executor's answer buffers given back (graph.ReleaseAnswer), the
// answers to many queries of different sizes, sent side by side, are each
// their own: a buffer is reused only after its answer went out.
func TestPostReleasedAnswersStayWhole(t *testing.T) {
	h := handler.New(graph.NewExecutableSchema(graph.Config{}))
	h.AddTransport(post{release: graph.ReleaseAnswer})
	h.Use(extension.Introspection{})
	queries := map[string]string{
		`{"query":"{ __typename }"}`:                                `{"data":{"__typename":"Query"}}`,
		`{"query":"{ a: __typename b: __typename }"}`:               `{"data":{"a":"Query","b":"Query"}}`,
		`{"query":"{ __schema { queryType { name } } }"}`:           `{"data":{"__schema":{"queryType":{"name":"Query"}}}}`,
		`{"query":"{ x: __typename y: __typename z: __typename }"}`: `{"data":{"x":"Query","y":"Query","z":"Query"}}`,
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 200 {
				for body, want := range queries {
					req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if got := rec.Body.String(); got != want {
						t.Errorf("%s: answered %s, want %s", body, got, want)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

// A request no transport takes gets an answer that names what is wrong:
// the Content-Type of a POST, or the method.
func TestUnsupportedRequestsSayWhy(t *testing.T) {
	h := New(Options{Schema: graph.NewExecutableSchema(graph.Config{})})
	for _, tc := range []struct {
		method, contentType string
		status              int
		says, allow         string
	}{
		{http.MethodPost, "text/plain", http.StatusUnsupportedMediaType, `Content-Type \"text/plain\" is not supported`, ""},
		{http.MethodPost, "", http.StatusUnsupportedMediaType, `Content-Type \"\" is not supported`, ""},
		{http.MethodPut, "application/json", http.StatusMethodNotAllowed, "method PUT is not supported", "GET, POST, OPTIONS"},
	} {
		req := httptest.NewRequest(tc.method, "/graphql", strings.NewReader(`{"query":"{ __typename }"}`))
		if tc.contentType != "" {
			req.Header.Set("Content-Type", tc.contentType)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		body := rec.Body.String()
		if rec.Code != tc.status || !strings.Contains(body, tc.says) || !strings.Contains(body, "INVALID_INPUT") || rec.Header().Get("Allow") != tc.allow {
			t.Errorf("%s with Content-Type %q: %d %s (Allow %q); want %d saying %s", tc.method, tc.contentType, rec.Code, body, rec.Header().Get("Allow"), tc.status, tc.says)
		}
	}
	// A JSON POST still reaches the POST transport.
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ __typename }"}`))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"__typename":"Query"`) {
		t.Errorf("a JSON POST: %d %s", rec.Code, rec.Body.String())
	}
}

// A body over the limit is refused with 413 and the limit named, not
// answered 200 with the reader's "request body too large".
func TestABodyOverTheLimitIs413(t *testing.T) {
	h := New(Options{Schema: graph.NewExecutableSchema(graph.Config{}), MaxBodyBytes: 64})
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ __typename }", "variables": {"pad": "`+strings.Repeat("x", 100)+`"}}`))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "larger than the 64 bytes allowed") {
		t.Errorf("%d %s; want 413 naming the 64-byte limit", rec.Code, rec.Body.String())
	}
}

// Anything after the request object is refused, saying what follows it,
// rather than the first part answered alone.
func TestTrailingDataAfterTheRequestIsRefused(t *testing.T) {
	h := New(Options{Schema: graph.NewExecutableSchema(graph.Config{})})
	for body, status := range map[string]int{
		`{"query":"{ __typename }"} trailing`:                  http.StatusBadRequest,
		`{"query":"{ __typename }"}{"query":"{ __typename }"}`: http.StatusBadRequest,
		`{"query":"{ __typename }"}}`:                          http.StatusBadRequest,
		"{\"query\":\"{ __typename }\"}\n \t\n":                http.StatusOK,
	} {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != status || status != http.StatusOK && !strings.Contains(rec.Body.String(), "more than one JSON value") {
			t.Errorf("%q: %d %s; want %d", body, rec.Code, rec.Body.String(), status)
		}
	}
}
