package web_test

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/omnigate/omnigate/e2e"
	"github.com/omnigate/omnigate/web"
)

// graphQLStub answers one query over GraphQL-over-HTTP and records every
// request that is not a well-formed GraphQL POST. It stands in for the
// gateway so this package's test needs nothing else; the gateway's own
// browser test drives the real schema.
type graphQLStub struct {
	query, answer string

	mu        sync.Mutex
	hits      int
	malformed []string
}

func (s *graphQLStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	bad := func(why string) {
		s.mu.Lock()
		s.malformed = append(s.malformed, why)
		s.mu.Unlock()
		http.Error(w, why, http.StatusBadRequest)
	}
	if r.Method != http.MethodPost {
		bad("method " + r.Method)
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		bad("Content-Type " + r.Header.Get("Content-Type"))
		return
	}
	// GraphiQL's schema request sends no Accept header of its own (the
	// browser's */* then), which GraphQL-over-HTTP servers treat as JSON.
	accept := r.Header.Get("Accept")
	if !strings.Contains(accept, "application/json") && !strings.Contains(accept, "application/graphql-response+json") && accept != "*/*" && accept != "" {
		bad("Accept " + accept)
		return
	}
	var req struct {
		Query         *string         `json:"query"`
		OperationName *string         `json:"operationName"`
		Variables     json.RawMessage `json:"variables"`
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || req.Query == nil {
		bad(fmt.Sprintf("body is not a GraphQL request: %v", err))
		return
	}
	if v := strings.TrimSpace(string(req.Variables)); v != "" && v != "null" && !strings.HasPrefix(v, "{") {
		bad("variables " + v)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if strings.TrimSpace(*req.Query) != strings.TrimSpace(s.query) {
		// GraphiQL's schema request lands here; the page must cope with a
		// server that does not answer it.
		_, _ = fmt.Fprint(w, `{"errors":[{"message":"this test server knows one query only"}]}`)
		return
	}
	if !strings.Contains(accept, "application/json") {
		bad("the query's Accept " + accept + " does not ask for JSON")
		return
	}
	s.mu.Lock()
	s.hits++
	s.mu.Unlock()
	_, _ = fmt.Fprint(w, s.answer)
}

func TestGraphiQLRunsAQueryInTheBrowser(t *testing.T) {
	t.Parallel()
	value := "world-" + rand.Text()[:12]
	stub := &graphQLStub{
		query:  "query Hello { hello }",
		answer: fmt.Sprintf(`{"data":{"hello":%q}}`, value),
	}
	mux := http.NewServeMux()
	mux.Handle("/graphql", stub)
	mux.Handle("/", web.Handler(web.Config{
		Examples: []web.Example{{Name: "Customer", Query: "{ customer { id } }"}, {Name: "Second", Query: "{ second }"}},
	}))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	e2e.RunGraphiQL(t, srv.URL+"/", stub.query, value)

	stub.mu.Lock()
	defer stub.mu.Unlock()
	if len(stub.malformed) > 0 {
		t.Errorf("the page sent malformed GraphQL requests: %q", stub.malformed)
	}
	if stub.hits != 1 {
		t.Errorf("the query reached the server %d times, want 1", stub.hits)
	}
}
